using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tests.Cuda;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// CudaBackend on the real GPU. Skipped with the probe's reason where there is none, unless
/// PROLORA_REQUIRE_GPU=1 makes that a failure.
/// </summary>
[TestFixture]
[Category("Gpu")]
public sealed class CudaGpuBackendTests : BackendParityTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend()
    {
        Gpu.Require();
        return CudaBackend.Open();
    }
}
