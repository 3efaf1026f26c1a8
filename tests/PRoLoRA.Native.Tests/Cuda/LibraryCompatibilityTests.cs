using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Which NVRTC and cuBLAS files a driver can serve: no CUDA major newer than the driver's.</summary>
public sealed class LibraryCompatibilityTests
{
    [TestCase("libnvrtc.so.13", 13)]
    [TestCase("/usr/local/cuda-12.4/lib64/libnvrtc.so.12", 12)]
    [TestCase("libnvrtc.so.11.2", 11)]
    [TestCase("libcublas.so.13", 13)]
    [TestCase("/opt/nvidia/cublas/lib/libcublasLt.so.12", 12)]
    [TestCase("nvrtc64_130_0.dll", 13)]
    [TestCase("nvrtc64_112_0.dll", 11)]
    [TestCase("cublas64_12.dll", 12)]
    [TestCase("libnvrtc.so", null)]
    [TestCase("/usr/lib/x86_64-linux-gnu/libcublas.so", null)]
    public void MajorOf_ReadsTheFileName(string candidate, int? major) => Assert.That(LibraryCompatibility.MajorOf(candidate), Is.EqualTo(major));

    [TestCase(12040, "libnvrtc.so.13")]
    [TestCase(12090, "/usr/local/cuda/lib64/libcublas.so.13")]
    [TestCase(11080, "libcublas.so.12")]
    [TestCase(11020, "/home/u/.local/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12")]
    [TestCase(12000, "nvrtc64_130_0.dll")]
    [TestCase(12000, "cublas64_13.dll")]
    public void ANewerMajorThanTheDriver_IsSkipped_SayingWhy(int driver, string candidate)
    {
        var reason = LibraryCompatibility.SkipReason(driver, candidate);
        Assert.That(reason, Is.Not.Null);
        Assert.That(reason, Does.Contain($"CUDA {LibraryCompatibility.MajorOf(candidate)} library").And.Contain($"the driver supports CUDA {LibraryCompatibility.Text(driver)}"));
    }

    [TestCase(13000, "libnvrtc.so.13", Description = "the same major")]
    [TestCase(12000, "libnvrtc.so.12", Description = "12.x NVRTC with a 12.0 driver: minor-version compatibility")]
    [TestCase(12040, "libcublas.so.12")]
    [TestCase(12040, "libnvrtc.so.11.2", Description = "older majors are the driver's to run")]
    [TestCase(13000, "libcublas.so.11")]
    [TestCase(12040, "libnvrtc.so", Description = "an unversioned name says nothing: try it")]
    [TestCase(0, "libnvrtc.so.13", Description = "no driver: NVRTC still compiles (doctor --arch)")]
    [TestCase(13000, "nvrtc64_130_0.dll")]
    public void OtherCandidates_AreTried(int driver, string candidate) => Assert.That(LibraryCompatibility.SkipReason(driver, candidate), Is.Null);

    [TestCase(12040, "12.4")]
    [TestCase(13000, "13.0")]
    [TestCase(11020, "11.2")]
    public void Versions_ReadAsMajorDotMinor(int version, string text) => Assert.That(LibraryCompatibility.Text(version), Is.EqualTo(text));

    [Test]
    public void AnUnversionedLink_IsReadThroughToItsTarget()
    {
        using var folder = new TempFolder();
        string real = Path.Combine(folder.Path, "libnvrtc.so.13.0.48");
        File.WriteAllBytes(real, []);
        File.CreateSymbolicLink(Path.Combine(folder.Path, "libnvrtc.so.13"), "libnvrtc.so.13.0.48");
        string link = Path.Combine(folder.Path, "libnvrtc.so");
        File.CreateSymbolicLink(link, "libnvrtc.so.13");

        Assert.That(LibraryCompatibility.LinkTarget(link), Is.EqualTo(real), "the final target, through every link");
        Assert.That(LibraryCompatibility.SkipReason(12040, LibraryCompatibility.LinkTarget(link)), Does.Contain("CUDA 13 library"));
        Assert.That(LibraryCompatibility.LinkTarget(real), Is.EqualTo(real), "a plain file is itself");
        Assert.That(LibraryCompatibility.LinkTarget("libnvrtc.so"), Is.EqualTo("libnvrtc.so"), "a bare name is the loader's to resolve");
        Assert.That(LibraryCompatibility.LinkTarget(Path.Combine(folder.Path, "absent.so")), Is.EqualTo(Path.Combine(folder.Path, "absent.so")));
    }
}
