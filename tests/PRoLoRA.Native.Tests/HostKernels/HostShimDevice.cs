using System.Runtime.InteropServices;
using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// An <see cref="IKernelDevice"/> that runs the kernels of cuda/ on the CPU through the host-kernel
/// library: "device" memory is aligned host memory, launches run the grid sequentially and
/// synchronously, and SGEMM is the library's reference loop with cuBLAS semantics.
/// </summary>
internal sealed unsafe class HostShimDevice(HostKernelLibrary library) : IKernelDevice
{
    // cudaMalloc returns 256-byte aligned memory; match it so alignment assumptions hold here too.
    private const int Alignment = 256;

    /// <inheritdoc/>
    public string Name => $"host shim ({library.Path})";

    /// <inheritdoc/>
    public IntPtr Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        return (IntPtr)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), Alignment);
    }

    /// <inheritdoc/>
    public void Free(IntPtr pointer) => NativeMemory.AlignedFree((void*)pointer);

    /// <inheritdoc/>
    public void CopyHostToDevice(IntPtr destination, void* source, long bytes) => Buffer.MemoryCopy(source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyDeviceToHost(void* destination, IntPtr source, long bytes) => Buffer.MemoryCopy((void*)source, destination, bytes, bytes);

    /// <inheritdoc/>
    public void CopyDeviceToDevice(IntPtr destination, IntPtr source, long bytes) => Buffer.MemoryCopy((void*)source, (void*)destination, bytes, bytes);

    /// <inheritdoc/>
    public void Launch(string kernel, int gridX, int blockX, ReadOnlySpan<IntPtr> arguments)
    {
        fixed (IntPtr* args = arguments)
        {
            if (library.Launch(kernel, gridX, blockX, (void**)args) != 0)
            {
                throw new InvalidOperationException($"the host-kernel library {library.Path} has no kernel '{kernel}'");
            }
        }
    }

    /// <inheritdoc/>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc)
        => library.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <inheritdoc/>
    public void Synchronize()
    {
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
