using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tests.Support;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>`prolora doctor` through the CLI's entry point.</summary>
public sealed class DoctorCommandTests
{
    [Test]
    public void Doctor_CompilesEveryKernelForSm90()
    {
        Gpu.RequireNvrtc();
        using var cache = new TempFolder();
        var saved = Environment.GetEnvironmentVariable("PROLORA_KERNEL_CACHE");
        try
        {
            Environment.SetEnvironmentVariable("PROLORA_KERNEL_CACHE", cache.Path);
            var (code, output, error) = Run("doctor", "--arch", "sm_90");
            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain(".NET:").And.Contain("Avx2:").And.Contain("NVRTC (libnvrtc):").And.Contain("CUDA driver (libcuda):"));
            Assert.That(output, Does.Contain("tried libcuda.so.1"));
            Assert.That(output, Does.Contain($"kernel cache: {cache.Path}"));
            Assert.That(output, Does.Contain("kernels for sm_90 (cubin)"));
            foreach (var source in KernelSources.Programs)
            {
                Assert.That(output, Does.Match($@"{source.FileName}\s+[\d,]+ bytes"));
            }
            Assert.That(output, Does.Contain($"all {KernelSources.Programs.Count} kernel files compile for sm_90"));
            Assert.That(output, Does.Match(@"NVRTC \d+\.\d+ \(\S+, \d+ bytes\) supports"), "the NVRTC build, as the cache key has it");
            Assert.That(output, Does.Contain("kernel resources on sm_90").And.Contain(PRoLoRA.Cli.Commands.KernelResourceTable.Heading));
            foreach (var kernel in new[] { "adamw", "broadcast_roll", "broadcast_roll_grad_chunk", "softmax_cross_entropy", "sum_rows" })
            {
                Assert.That(output, Does.Match($@"\.cu\s+{kernel}\s+\d+\s+0/0\s+\d+\s+\d+\s+(\d+|-)\r?\n"), kernel);
            }
            Assert.That(output, Does.Contain("kernels: no spills, static shared memory within 48 KiB per block"));
            var ptx = Run("doctor", "--arch", "compute_80").Output;
            Assert.That(ptx, Does.Contain("kernels for compute_80 (PTX)").And.Contain("kernel resources: none for PTX"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PROLORA_KERNEL_CACHE", saved);
        }
    }

    [Test]
    public void Doctor_RejectsABadArchitecture()
    {
        var (code, _, error) = Run("doctor", "--arch", "sm_x");
        Assert.That(code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput));
        Assert.That(error, Does.Contain("sm_XY"));
    }

    [Test]
    public void Doctor_WithoutNvrtc_ExitsTwo()
    {
        if (CudaLibraries.Nvrtc.Found)
        {
            Assert.Ignore("NVRTC is installed here");
        }
        var (code, _, error) = Run("doctor", "--arch", "sm_90");
        Assert.That(code, Is.EqualTo(PRoLoRA.Cli.Cli.BadInput));
        Assert.That(error, Does.Contain("NVRTC"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = PRoLoRA.Cli.Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
