using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Tests.HostKernels;

namespace PRoLoRA.Native.Tests.Models;

/// <summary>The model body on CudaBackend over the host shim: every LLaMA kernel and launcher in one forward.</summary>
[TestFixture]
public sealed class LlamaModelHostShimTests : LlamaModelTests
{
    /// <inheritdoc/>
    protected override IBackend CreateBackend() => new CudaBackend(new HostShimDevice(HostKernelLibrary.Require()), exactAllocations: true);
}
