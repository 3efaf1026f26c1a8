using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Where the CUDA libraries are looked for, and what a miss reports.</summary>
public sealed class LibrarySearchTests
{
    [Test]
    public void OverrideFolder_ComesFirst_NewestNameFirst()
    {
        using var folder = new TempFolder();
        var saved = Environment.GetEnvironmentVariable(LibrarySearch.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(LibrarySearch.PathVariable, folder.Path);
            var paths = LibrarySearch.Candidates(["libx.so.13", "libx.so"], useToolkitFolders: true).Select(c => c.Path).ToList();
            Assert.That(paths[0], Is.EqualTo(Path.Combine(folder.Path, "libx.so.13")));
            Assert.That(paths[1], Is.EqualTo("libx.so.13"), "then the system loader");
            int firstOld = paths.FindIndex(p => p.EndsWith("libx.so", StringComparison.Ordinal));
            Assert.That(paths.Take(firstOld).All(p => p.EndsWith("libx.so.13", StringComparison.Ordinal)), Is.True, "every place for the newest name before any older name");
            Assert.That(paths[firstOld], Is.EqualTo(Path.Combine(folder.Path, "libx.so")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(LibrarySearch.PathVariable, saved);
        }
    }

    [Test]
    public void Missing_RecordsEveryAttempt_AndSaysWhatToInstall()
    {
        var probe = new LibraryProbe("Example (libexample)", "install example", LibrarySearch.Candidates(["libprolora-no-such-lib.so.9"], useToolkitFolders: true));
        Assert.That(probe.Found, Is.False);
        Assert.That(probe.Attempts, Is.Not.Empty);
        Assert.That(probe.Attempts.All(a => a.Error is not null && !a.Loaded), Is.True);
        Assert.That(probe.MissingReason, Does.Contain("Example (libexample) not found").And.Contain("install example"));
        Assert.That(() => probe.EnsureFound(), Throws.InstanceOf<CudaException>().With.Message.Contains("install example"));
    }

    [Test]
    public void Found_RecordsTheMissesBeforeIt()
    {
        Gpu.RequireNvrtc();
        string loaded = CudaLibraries.Nvrtc.FoundPath!;
        var probe = new LibraryProbe("NVRTC", "", [new("/nonexistent/libnvrtc.so.99", true, []), new(loaded, Path.IsPathRooted(loaded), [])]);
        Assert.That(probe.Found, Is.True);
        Assert.That(probe.FoundPath, Is.EqualTo(loaded));
        Assert.That(probe.Attempts, Has.Count.EqualTo(2));
        Assert.That(probe.Attempts[0].Error, Is.EqualTo("no such file"));
        Assert.That(probe.Attempts[1].Loaded, Is.True);
    }

    [Test]
    public void SkippedCandidates_AreNeverLoaded_AndSayWhy()
    {
        // libm.so.6 is on every Linux system: the skip, not a missing file, keeps the first candidate out.
        int calls = 0;
        var probe = new LibraryProbe("libm", "install libm", [new("libm.so.6", false, []), new("libm.so.6", false, [])],
            skip: _ => calls++ == 0 ? "a CUDA 99 library; the driver supports CUDA 12.4, and a newer CUDA major needs a newer driver" : null);
        Assert.That(probe.Found, Is.True);
        Assert.That(probe.Attempts, Has.Count.EqualTo(2));
        Assert.That(probe.Attempts[0].Skipped, Is.True);
        Assert.That(probe.Attempts[0].Loaded, Is.False);
        Assert.That(probe.Attempts[0].ToString(), Is.EqualTo("skipped libm.so.6: a CUDA 99 library; the driver supports CUDA 12.4, and a newer CUDA major needs a newer driver"));
        Assert.That(probe.Attempts[1].ToString(), Is.EqualTo("tried libm.so.6: loaded"));
    }

    [Test]
    public void OnlySkippedCandidates_TheMissingReasonSaysWhy()
    {
        var probe = new LibraryProbe("NVRTC (libnvrtc)", "install NVRTC", [new("libnvrtc.so.13", false, []), new("/nonexistent/libnvrtc.so.13", true, [])],
            skip: name => LibraryCompatibility.SkipReason(12040, name));
        Assert.That(probe.Found, Is.False);
        Assert.That(probe.Attempts.Select(a => a.ToString()), Is.EqualTo(new[]
        {
            "skipped libnvrtc.so.13: a CUDA 13 library; the driver supports CUDA 12.4, and a newer CUDA major needs a newer driver",
            "tried /nonexistent/libnvrtc.so.13: no such file",
        }));
        Assert.That(probe.MissingReason, Does.Contain("skipped libnvrtc.so.13: a CUDA 13 library; the driver supports CUDA 12.4"));
    }

    [Test]
    public void VersionedToolkits_NewestFirst_VersionsComparedAsNumbers()
    {
        using var root = new TempFolder();
        foreach (var name in new[] { "cuda-11.8", "cuda-12.4", "cuda-12.10", "cuda-13.0", "cuda-14", "cuda", "cuda-tools", "other-12.0" })
        {
            Directory.CreateDirectory(Path.Combine(root.Path, name, "lib64"));
        }
        var folders = LibrarySearch.VersionedToolkits(root.Path).Select(f => Path.GetRelativePath(root.Path, f)).ToList();
        Assert.That(folders, Is.EqualTo(new[] { "cuda-14/lib64", "cuda-13.0/lib64", "cuda-12.10/lib64", "cuda-12.4/lib64", "cuda-11.8/lib64" }));
    }

    [Test]
    public void PipNvidiaFolders_UnderLibAndLib64_AreSearched_AVenvsLinkOnce()
    {
        using var venv = new TempFolder();
        string nvrtc = Path.Combine(venv.Path, "lib", "python3.12", "site-packages", "nvidia", "cuda_nvrtc", "lib");
        string cublas = Path.Combine(venv.Path, "lib64", "python3.11", "site-packages", "nvidia", "cublas", "lib");
        Directory.CreateDirectory(nvrtc);
        Directory.CreateDirectory(cublas);
        using var linked = new TempFolder(); // a venv as `python -m venv` makes it: lib64 -> lib
        string linkedNvrtc = Path.Combine(linked.Path, "lib", "python3.12", "site-packages", "nvidia", "cuda_nvrtc", "lib");
        Directory.CreateDirectory(linkedNvrtc);
        Directory.CreateSymbolicLink(Path.Combine(linked.Path, "lib64"), "lib");
        var saved = (Environment.GetEnvironmentVariable("VIRTUAL_ENV"), Environment.GetEnvironmentVariable("CONDA_PREFIX"));
        try
        {
            Environment.SetEnvironmentVariable("VIRTUAL_ENV", venv.Path);
            Environment.SetEnvironmentVariable("CONDA_PREFIX", linked.Path);
            var folders = LibrarySearch.ToolkitFolders();
            Assert.That(folders, Does.Contain(nvrtc).And.Contain(cublas).And.Contain(linkedNvrtc));
            Assert.That(folders.Count(f => f.StartsWith(linked.Path, StringComparison.Ordinal)), Is.EqualTo(1), "lib64 -> lib is searched once");
        }
        finally
        {
            Environment.SetEnvironmentVariable("VIRTUAL_ENV", saved.Item1);
            Environment.SetEnvironmentVariable("CONDA_PREFIX", saved.Item2);
        }
    }
}
