using System.Diagnostics;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The kernel cache needs no OpenSSL (a bare GPU machine may lack libssl): `prolora doctor --arch`
/// compiles every kernel into an empty cache and then reads them back, in two child processes whose
/// dynamic loader reports every library it opens (LD_DEBUG=files); neither opens .NET's OpenSSL shim,
/// libssl or libcrypto.
/// </summary>
public sealed class KernelCacheWithoutOpenSslTests
{
    [Test]
    public void CompilingAndCachingKernels_LoadsNoOpenSsl()
    {
        Gpu.RequireNvrtc();
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("LD_DEBUG is the Linux loader's");
        }
        using var cache = new TempFolder();
        var (written, writeLoads) = Doctor(cache.Path);
        var (read, readLoads) = Doctor(cache.Path);

        Assert.That(written, Does.Contain("all ").And.Contain("kernel files compile for sm_90"));
        Assert.That(read, Does.Contain("(cached)"), "the second run reads the entries the first one wrote");
        foreach (var loads in new[] { writeLoads, readLoads })
        {
            Assert.That(loads, Does.Contain("libnvrtc"), "the loader's report is there (LD_DEBUG works)");
            Assert.That(loads, Does.Not.Contain("OpenSsl").And.Not.Contain("libssl").And.Not.Contain("libcrypto"));
        }
    }

    /// <summary>Runs `prolora doctor --arch sm_90` (the apphost beside the tests) with <paramref name="cacheFolder"/>; returns its output and the loader's report.</summary>
    private static (string Output, string Loads) Doctor(string cacheFolder)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "prolora"), ["doctor", "--arch", "sm_90"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["PROLORA_KERNEL_CACHE"] = cacheFolder;
        info.Environment["LD_DEBUG"] = "files";
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, error.Result);
        return (output, error.Result);
    }
}
