using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// An <see cref="IKernelDevice"/> that runs the kernels of cuda/ on the CPU through the host-kernel
/// library: "device" memory is the library's guarded memory (an access past an allocation's end is
/// caught), launches run the grid block by block with each thread a fiber, synchronously, and
/// SGEMM is the library's reference loop with cuBLAS semantics. A launch the library's sanitizer
/// stops throws an <see cref="InvalidOperationException"/> with its report.
/// </summary>
internal sealed unsafe class HostShimDevice(HostKernelLibrary library) : IKernelDevice
{
    /// <inheritdoc/>
    public string Name => $"host shim ({library.Path})";

    /// <inheritdoc/>
    public IntPtr Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var pointer = library.Allocate(bytes);
        return pointer != IntPtr.Zero ? pointer : throw new OutOfMemoryException($"the host shim could not map {bytes} bytes");
    }

    /// <inheritdoc/>
    public void Free(IntPtr pointer) => library.Free(pointer);

    /// <inheritdoc/>
    public void CopyHostToDevice(IntPtr destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyDeviceToHost(void* destination, IntPtr source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyDeviceToDevice(IntPtr destination, IntPtr source, long bytes) => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void Launch(string kernel, Dim3 grid, Dim3 block, int sharedBytes, ReadOnlySpan<IntPtr> arguments)
    {
        fixed (IntPtr* args = arguments)
        {
            if (library.Launch(kernel, (grid.X, grid.Y, grid.Z), (block.X, block.Y, block.Z), sharedBytes, (void**)args) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }
        }
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc)
        => library.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc/>
    public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        float beta, IntPtr c, int ldc, long strideC, int batch)
        => library.SgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
