using System.Text.RegularExpressions;
using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The resource report of every kernel, compiled by NVRTC for sm_80 and sm_90 (no GPU needed): each
/// kernel is in it, none spills registers, and none uses more than 48 KiB of static shared memory
/// per block unless its file opts in (cuda/README.md, "Kernel resources").
/// </summary>
public sealed partial class KernelResourceTests : NvrtcFixture
{

    public static IEnumerable<TestCaseData> Targets() =>
        new[] { 80, 90 }.Select(arch => new TestCaseData(arch).SetArgDisplayNames($"sm_{arch}"));

    [TestCaseSource(nameof(Targets))]
    public void EveryKernel_IsInTheReport(int arch)
    {
        var target = new KernelTarget(arch, Cubin: true);
        foreach (var source in KernelSources.Programs)
        {
            var reported = Compiler().Resources(source, target);
            var defined = KernelEntry().Matches(source.Text).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
            Assert.That(reported.Select(k => k.Kernel), Is.EqualTo(defined), source.FileName);
            Assert.That(reported.Select(k => k.Arch), Is.All.EqualTo(target.ToString()), source.FileName);
            Assert.That(reported.Select(k => k.Registers), Is.All.InRange(1, 255), source.FileName);
        }
    }

    [TestCaseSource(nameof(Targets))]
    public void EveryKernel_KeepsTheLimits_NoSpills_SharedWithin48KiB(int arch)
    {
        var target = new KernelTarget(arch, Cubin: true);
        var problems = KernelSources.Programs.SelectMany(source => KernelResourceLimits.Problems(source, Compiler().Resources(source, target))).ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void ASpillingKernel_IsCaught()
    {
        // 48 live accumulators in the 32 registers that __launch_bounds__(1024, 2) leaves a thread.
        var source = new KernelSource("spills.cu", """
            extern "C" __global__ void __launch_bounds__(1024, 2) spills(const float* x, float* y, int n) {
                float acc[48];
                for (int j = 0; j < 48; j++) acc[j] = x[j];
                for (int i = 0; i < n; i++) {
                    float v = x[i];
                    for (int j = 0; j < 48; j++) acc[j] = acc[j] * v + x[i + j];
                }
                float s = 0;
                for (int j = 0; j < 48; j++) s += acc[j] * acc[47 - j];
                y[threadIdx.x] = s;
            }
            """);
        var kernel = Compiler().Resources(source, new KernelTarget(90, true)).Single();
        Assert.That(kernel.Spills, Is.True, kernel.ToString());
        Assert.That(kernel.Registers, Is.LessThanOrEqualTo(32));
        Assert.That(KernelResourceLimits.Problems(source, [kernel]).Single(), Does.Contain("spills.cu: spills spills registers on sm_90"));
    }

    [Test]
    public void StaticSharedMemory_IsReported()
    {
        var source = new KernelSource("shared.cu", """
            extern "C" __global__ void tiled(float* x) {
                __shared__ float tile[4096];
                tile[threadIdx.x] = x[threadIdx.x];
                __syncthreads();
                x[threadIdx.x] = tile[4095 - threadIdx.x];
            }
            """);
        var kernel = Compiler().Resources(source, new KernelTarget(80, true)).Single();
        Assert.That((kernel.Kernel, kernel.SharedBytes), Is.EqualTo(("tiled", 4096 * 4)));
        Assert.That(kernel.ConstantBytes, Is.GreaterThan(0), "ptxas reports cmem[0], the parameters, for sm_80");
    }

    [Test]
    public void SharedMemoryOver48KiB_FailsToCompile_WithPtxasReason()
    {
        // ptxas refuses static shared memory over 0xc000 bytes; the verbose log loses the reason, the plain compile keeps it.
        var source = new KernelSource("too_much_shared.cu", """
            extern "C" __global__ void too_much(float* x) {
                __shared__ float big[12289];
                big[threadIdx.x] = x[threadIdx.x];
                __syncthreads();
                x[threadIdx.x] = big[12288 - threadIdx.x];
            }
            """);
        var e = Assert.Throws<CudaException>(() => Compiler().Resources(source, new KernelTarget(90, true)));
        Assert.That(e!.Message, Does.Contain("too much shared data"));
    }

    [Test]
    public void PtxTarget_HasNoReport() =>
        Assert.Throws<ArgumentException>(() => Compiler().Resources(KernelSources.Programs[0], new KernelTarget(90, false)));

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(")]
    private static partial Regex KernelEntry();
}
