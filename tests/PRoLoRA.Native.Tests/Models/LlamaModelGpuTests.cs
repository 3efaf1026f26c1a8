using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tests.Cuda;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>The model body on the real GPU; skipped with the probe's reason where there is none.</summary>
[TestFixture]
[Category("Gpu")]
public sealed class LlamaModelGpuTests : LlamaModelTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend()
    {
        Gpu.Require();
        return CudaBackend.Open();
    }
}
