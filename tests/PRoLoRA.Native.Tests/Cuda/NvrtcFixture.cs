using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Base of the tests that compile with NVRTC (no GPU needed): skips without NVRTC, and gives each test a fresh kernel cache.</summary>
public abstract class NvrtcFixture
{
    private TempFolder? _cache;

    /// <summary>The test's kernel cache folder.</summary>
    private protected string CacheFolder => _cache!.Path;

    /// <summary>A compiler over the test's cache, with the embedded headers unless others are given.</summary>
    private protected KernelCompiler Compiler(IReadOnlyList<KernelSource>? headers = null) => new(CacheFolder, headers ?? KernelSources.Headers);

    [SetUp]
    public void CreateCache()
    {
        Gpu.RequireNvrtc();
        _cache = new TempFolder();
    }

    [TearDown]
    public void DeleteCache() => _cache?.Dispose();
}
