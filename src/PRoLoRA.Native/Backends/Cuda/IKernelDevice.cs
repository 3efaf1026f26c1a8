namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// What <c>CudaBackend</c> needs from a device: memory, launches of the kernels in <c>cuda/</c>
/// by name, and a cuBLAS-style SGEMM. Two implementations: the real GPU (driver API, NVRTC,
/// cuBLAS) and, in the tests, the host shim that runs the same <c>.cu</c> files on the CPU, so
/// every launcher line is exercised on machines without a GPU.
/// </summary>
internal interface IKernelDevice : IDisposable
{
    /// <summary>Human-readable device name.</summary>
    string Name { get; }

    /// <summary>Allocates <paramref name="bytes"/> of device memory (never zero-length: at least 1 byte is taken).</summary>
    IntPtr Allocate(long bytes);

    /// <summary>Frees memory from <see cref="Allocate"/>.</summary>
    void Free(IntPtr pointer);

    /// <summary>Copies host memory to the device, ordered with the work queued before and after it; the caller may free or overwrite <paramref name="source"/> as soon as the call returns.</summary>
    unsafe void CopyHostToDevice(IntPtr destination, void* source, long bytes);

    /// <summary>Copies device memory to the host (synchronously).</summary>
    unsafe void CopyDeviceToHost(void* destination, IntPtr source, long bytes);

    /// <summary>Copies device memory to device memory.</summary>
    void CopyDeviceToDevice(IntPtr destination, IntPtr source, long bytes);

    /// <summary>
    /// Launches kernel <paramref name="kernel"/> (its extern "C" name in cuda/) on <paramref name="grid"/>
    /// blocks of <paramref name="block"/> threads with <paramref name="sharedBytes"/> of dynamic shared
    /// memory. <paramref name="arguments"/> holds one pointer to each argument's value, as cuLaunchKernel's kernelParams.
    /// </summary>
    void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, ReadOnlySpan<IntPtr> arguments);

    /// <summary>cuBLAS semantics (column-major): C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, C m×n.</summary>
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc);

    /// <summary>
    /// cuBLAS's strided batch (column-major): for i in [0, batch), C_i = alpha·op(A_i)·op(B_i) + beta·C_i,
    /// where A_i = A + i·strideA elements (likewise B_i and C_i) and the shapes are those of <see cref="Sgemm"/>.
    /// </summary>
    void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        float beta, IntPtr c, int ldc, long strideC, int batch);

    /// <summary>Waits for all queued work.</summary>
    void Synchronize();
}
