using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>Choosing what NVRTC compiles for (no NVRTC needed).</summary>
public sealed class KernelTargetTests
{
    private static readonly int[] Nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];

    [Test]
    public void KnownArchitecture_GetsItsCubin()
    {
        Assert.That(KernelTarget.ForDevice(90, Nvrtc118), Is.EqualTo(new KernelTarget(90, true)));
        Assert.That(KernelTarget.ForDevice(90, Nvrtc118).Option, Is.EqualTo("--gpu-architecture=sm_90"));
    }

    [Test]
    public void DeviceNewerThanNvrtc_GetsPtxOfTheNewestItKnows()
    {
        var target = KernelTarget.ForDevice(100, Nvrtc118);
        Assert.That(target, Is.EqualTo(new KernelTarget(90, false)));
        Assert.That(target.Option, Is.EqualTo("--gpu-architecture=compute_90"));
    }

    [Test]
    public void UnlistedArchitectureBetweenKnownOnes_GetsPtxOfTheNearestOlder() =>
        Assert.That(KernelTarget.ForDevice(88, Nvrtc118), Is.EqualTo(new KernelTarget(87, false)));

    [Test]
    public void NvrtcThatCannotSay_GetsTheDevicesCubin() =>
        Assert.That(KernelTarget.ForDevice(120, []), Is.EqualTo(new KernelTarget(120, true)));

    [Test]
    public void DeviceOlderThanNvrtc_Throws() =>
        Assert.That(() => KernelTarget.ForDevice(30, Nvrtc118), Throws.InstanceOf<CudaException>().With.Message.Contains("sm_30"));

    [TestCase("sm_90", 90, true)]
    [TestCase("compute_80", 80, false)]
    [TestCase("86", 86, true)]
    public void Parse_ReadsArchitectures(string text, int arch, bool cubin) =>
        Assert.That(KernelTarget.Parse(text), Is.EqualTo(new KernelTarget(arch, cubin)));

    [TestCase("sm_x")]
    [TestCase("gfx90a")]
    [TestCase("")]
    public void Parse_RejectsNonsense(string text) =>
        Assert.That(() => KernelTarget.Parse(text), Throws.ArgumentException.With.Message.Contains("sm_XY"));
}
