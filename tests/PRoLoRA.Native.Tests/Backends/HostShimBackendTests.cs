using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tests.HostKernels;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// CudaBackend over the host shim: the kernels of cuda/ compiled as C++ and run on the CPU, and a
/// reference SGEMM with cuBLAS semantics. Runs here and in CI, so every launcher line (argument
/// marshalling, grids, strides, the column-major GEMM mapping) is checked without a GPU. Every
/// tensor is its own guarded allocation, so the sanitizer catches a kernel that reads or writes
/// past any tensor's end.
/// </summary>
[TestFixture]
public sealed class HostShimBackendTests : BackendParityTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend() => new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()), exactAllocations: true);
}
