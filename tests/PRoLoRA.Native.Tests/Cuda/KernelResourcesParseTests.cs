using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The ptxas log parser on logs captured from NVRTC 11.8 (libnvrtc.so.11.8.89) with -Xptxas=-v.
/// No NVRTC is needed: the logs are text.
/// </summary>
public sealed class KernelResourcesParseTests
{
    /// <summary>cuda/softmax_cross_entropy.cu for sm_80 with --maxrregcount=16 added, to force spills.</summary>
    private const string SpillingSm80 = """
        ptxas warning : For profile sm_80 adjusting per thread register count of 16 to lower bound of 24
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function 'softmax_cross_entropy' for 'sm_80'
        ptxas info    : Function properties for softmax_cross_entropy
        ptxas         .     32 bytes stack frame, 36 bytes spill stores, 20 bytes spill loads
        ptxas info    : Used 24 registers, 392 bytes cmem[0], 168 bytes cmem[2]
        """;

    /// <summary>cuda/broadcast_roll.cu for sm_90: ptxas 11.8 reports no constant memory for sm_90.</summary>
    private const string BroadcastRollSm90 = """
        ptxas info    : 0 bytes gmem
        ptxas info    : Compiling entry function 'broadcast_roll_grad' for 'sm_90'
        ptxas info    : Function properties for broadcast_roll_grad
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 32 registers
        ptxas info    : Compiling entry function 'broadcast_roll' for 'sm_90'
        ptxas info    : Function properties for broadcast_roll
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 20 registers
        """;

    /// <summary>
    /// A probe file for sm_80: static shared memory (float[8192]; float[4096] plus double[16]), a
    /// __constant__ table (module cmem[3]) and a __noinline__ device function, whose properties come last.
    /// </summary>
    private const string SharedAndHelperSm80 = """
        ptxas info    : 0 bytes gmem, 256 bytes cmem[3]
        ptxas info    : Compiling entry function 'big_shared' for 'sm_80'
        ptxas info    : Function properties for big_shared
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 9 registers, 32768 bytes smem, 360 bytes cmem[0]
        ptxas info    : Compiling entry function 'with_local' for 'sm_80'
        ptxas info    : Function properties for with_local
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 32 registers, 368 bytes cmem[0]
        ptxas info    : Compiling entry function 'with_shared' for 'sm_80'
        ptxas info    : Function properties for with_shared
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 31 registers, 16512 bytes smem, 364 bytes cmem[0]
        ptxas info    : Function properties for _Z6helperPfi
        ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        """;

    [Test]
    public void Spills_StackAndConstantBanks()
    {
        var k = KernelResources.Parse("softmax_cross_entropy.cu", SpillingSm80).Single();
        Assert.That(k, Is.EqualTo(new KernelResources("softmax_cross_entropy.cu", "softmax_cross_entropy", "sm_80",
            Registers: 24, SpillStoreBytes: 36, SpillLoadBytes: 20, StackFrameBytes: 32, SharedBytes: 0, ConstantBytes: 392 + 168)));
        Assert.That(k.Spills, Is.True);
    }

    [Test]
    public void TwoKernels_OrderedByName_WithoutConstantMemory()
    {
        var kernels = KernelResources.Parse("broadcast_roll.cu", BroadcastRollSm90);
        Assert.That(kernels.Select(k => (k.Kernel, k.Arch, k.Registers)), Is.EqualTo(new[] { ("broadcast_roll", "sm_90", 20), ("broadcast_roll_grad", "sm_90", 32) }));
        Assert.That(kernels.Select(k => k.ConstantBytes), Is.All.Null, "ptxas 11.8 prints no cmem for sm_90");
        Assert.That(kernels.Any(k => k.Spills || k.SharedBytes > 0 || k.StackFrameBytes > 0), Is.False);
    }

    [Test]
    public void SharedMemory_AndADeviceFunctionIsNoKernel()
    {
        // The helper's frame line (the last) edited to show spills, which are the helper's, not with_shared's.
        string log = SharedAndHelperSm80[..SharedAndHelperSm80.LastIndexOf("0 bytes stack frame", StringComparison.Ordinal)] + "8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads";
        var kernels = KernelResources.Parse("probe.cu", log).ToDictionary(k => k.Kernel);
        Assert.That(kernels.Keys, Is.EqualTo(new[] { "big_shared", "with_local", "with_shared" }));
        Assert.That(kernels["big_shared"].SharedBytes, Is.EqualTo(32768));
        Assert.That(kernels["with_shared"].SharedBytes, Is.EqualTo(16512));
        Assert.That(kernels["with_local"].SharedBytes, Is.Zero);
        Assert.That(kernels["with_shared"].ConstantBytes, Is.EqualTo(364), "the module's cmem[3] on the gmem line belongs to no kernel");
        Assert.That(kernels.Values.Any(k => k.Spills || k.StackFrameBytes > 0), Is.False, "the helper's frame line is the helper's");
    }

    [Test]
    public void EmptyLog_NoKernels() =>
        Assert.That(KernelResources.Parse("empty.cu", ""), Is.Empty);

    [Test]
    public void WindowsLineEnds_Parse() =>
        Assert.That(KernelResources.Parse("broadcast_roll.cu", BroadcastRollSm90.Replace("\n", "\r\n", StringComparison.Ordinal)), Has.Count.EqualTo(2));

    [TestCase("Used 24 registers", "register")]
    [TestCase("bytes stack frame", "stack frame")]
    public void AKernelWithoutOneOfItsLines_IsAFormatError(string droppedLine, string missing)
    {
        var log = string.Join('\n', SpillingSm80.Split('\n').Where(l => !l.Contains(droppedLine, StringComparison.Ordinal)));
        var e = Assert.Throws<FormatException>(() => KernelResources.Parse("k.cu", log));
        Assert.That(e!.Message, Does.Contain("k.cu").And.Contain("'softmax_cross_entropy'").And.Contain($"its {missing} line"));
    }
}
