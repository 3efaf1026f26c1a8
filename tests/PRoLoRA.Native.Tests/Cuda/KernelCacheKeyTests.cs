using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The kernel cache key names the NVRTC build, not only its major.minor: two builds never share a
/// cached cubin. The keys are computed without NVRTC; only the last test needs it.
/// </summary>
public sealed class KernelCacheKeyTests
{
    private static readonly NvrtcBuild Debian = new(11, 8, "libnvrtc.so.11.8.89", 54_409_816);

    private static string Key(NvrtcBuild build)
    {
        var source = KernelSources.Programs.First(s => s.FileName == "adamw.cu");
        var target = new KernelTarget(90, true);
        return new KernelCompiler(Path.GetTempPath(), KernelSources.Headers, build).CacheKey(source, target, KernelCompiler.Options(target));
    }

    [Test]
    public void TheSameBuild_GivesTheSameKey() =>
        Assert.That(Key(Debian with { }), Is.EqualTo(Key(Debian)));

    [Test]
    public void AnotherMinorVersion_GivesAnotherKey() =>
        Assert.That(Key(Debian with { Minor = 7 }), Is.Not.EqualTo(Key(Debian)));

    [Test]
    public void AnotherBuildOfTheSameMajorMinor_GivesAnotherKey()
    {
        Assert.That(Key(Debian with { FileName = "libnvrtc.so.11.8.86" }), Is.Not.EqualTo(Key(Debian)), "another patch release");
        Assert.That(Key(Debian with { FileSize = Debian.FileSize + 4096 }), Is.Not.EqualTo(Key(Debian)), "a file of another size under the same name (pip's libnvrtc.so.12)");
    }

    [Test]
    public void TheKey_KeepsItsReadableParts() =>
        Assert.That(Key(Debian), Does.Match(@"^adamw\.sm_90\.[0-9a-f]{32}\.cubin$"));

    [Test]
    public void CurrentBuild_IsTheLoadedLibraryFile()
    {
        Gpu.RequireNvrtc();
        var build = NvrtcBuild.Current;
        var (major, minor) = (int.Parse(KernelCompiler.NvrtcVersion.Split('.')[0]), int.Parse(KernelCompiler.NvrtcVersion.Split('.')[1]));
        Assert.That((build.Major, build.Minor), Is.EqualTo((major, minor)));
        Assert.That(build.FileName, Does.StartWith("libnvrtc").Or.StartWith("nvrtc64"), build.ToString());
        Assert.That(build.FileSize, Is.GreaterThan(1_000_000), build.ToString());
        var loadedAs = CudaLibraries.Nvrtc.FoundPath!;
        if (File.Exists(loadedAs))
        {
            var file = new FileInfo(loadedAs);
            var real = file.ResolveLinkTarget(returnFinalTarget: true) ?? file;
            Assert.That(build.FileName, Is.EqualTo(real.Name), "links are resolved");
        }
    }
}
