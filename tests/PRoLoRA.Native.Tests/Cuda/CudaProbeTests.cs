using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Cuda;
using CudaProbe = PRoLoRA.Native.Cuda.CudaRuntime;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>"No GPU" is a normal answer with a reason, never a crash.</summary>
public sealed class CudaProbeTests
{
    [Test]
    public void Probe_NeverThrows_AndExplainsItself()
    {
        var probe = CudaProbe.ProbeNow();
        Assert.That(probe.Available, Is.EqualTo(CudaProbe.IsAvailable));
        if (probe.Available)
        {
            Assert.That(probe.Devices, Is.Not.Empty);
            Assert.That(probe.Reason, Is.Empty);
        }
        else
        {
            Assert.That(probe.Reason, Is.Not.Empty);
            Assert.That(probe.Devices, Is.Empty);
        }
    }

    [Test]
    public void WithoutTheDriverLibrary_ProbeIsFalse_NamingLibcuda()
    {
        if (CudaLibraries.Driver.Found)
        {
            Assert.Ignore($"this machine has the CUDA driver ({CudaLibraries.Driver.FoundPath})");
        }
        var probe = CudaProbe.Probe();
        Assert.That(probe.Available, Is.False);
        Assert.That(probe.Reason, Does.Contain("libcuda").And.Contain("install the NVIDIA driver"));
        Assert.That(CudaLibraries.Driver.Attempts.Select(a => a.Path), Does.Contain("libcuda.so.1"));
        Assert.That(CudaLibraries.Driver.Attempts.All(a => a.Error is not null), Is.True);
    }

    [Test]
    public void WithoutAGpu_OpeningCudaThrowsTheProbesReason()
    {
        if (CudaProbe.IsAvailable)
        {
            Assert.Ignore("this machine has a GPU");
        }
        var e = Assert.Throws<ProLoraException>(() => Devices.Open("cuda"));
        Assert.That(e!.Message, Does.Contain(CudaProbe.Probe().Reason));
        Assert.That(() => Devices.Open("cuda:1"), Throws.InstanceOf<ProLoraException>());
        Assert.That(() => PRoLoRA.Native.Backends.Cuda.CudaBackend.Open(), Throws.InstanceOf<CudaException>().With.Message.Contains(CudaProbe.Probe().Reason));
    }

    [TestCase("cuda:")]
    [TestCase("cuda:x")]
    [TestCase("cuda:-1")]
    [TestCase("gpu")]
    public void MalformedDeviceNames_AreRejected(string name) =>
        Assert.That(() => Devices.Open(name), Throws.ArgumentException.With.Property("ParamName").EqualTo("device"));
}
