using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Tensors;
using CudaProbe = PRoLoRA.Native.Cuda.CudaRuntime;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// The driver layer on a real GPU: memory and modules come back, an impossible allocation is a clean
/// error, events time work. Skipped with the probe's reason without a GPU (a failure under PROLORA_REQUIRE_GPU=1).
/// </summary>
[Category("Gpu")]
public sealed class CudaGpuTests
{
    private const long Slack = 8L << 20;
    private CudaDevice? _device;

    private CudaDevice Device => _device!;

    [SetUp]
    public void Open()
    {
        Gpu.Require();
        _device = new CudaDevice(0);
    }

    [TearDown]
    public void Close() => _device?.Dispose();

    [Test]
    public void Probe_DescribesTheDevice()
    {
        var probe = CudaProbe.Probe();
        Assert.That(probe.DriverVersion, Is.GreaterThanOrEqualTo(CudaProbe.MinimumDriverVersion));
        var info = probe.Devices[0];
        TestContext.Out.WriteLine($"{info}, driver CUDA {probe.DriverVersionText}, NVRTC {LibraryVersions.Nvrtc}, cuBLAS {LibraryVersions.Cublas}");
        Assert.That(info.Name, Is.Not.Empty);
        Assert.That(info.Arch, Is.GreaterThanOrEqualTo(50));
        Assert.That(info.TotalMemory, Is.GreaterThan(1L << 30));
        Assert.That(Device.MemoryInfo().Total, Is.EqualTo(info.TotalMemory));
    }

    [Test]
    public void TenThousandAllocateFreeCycles_LeaveFreeMemoryAtBaseline()
    {
        Device.Free(Device.Allocate(1 << 20));
        Device.Synchronize();
        long baseline = Device.MemoryInfo().Free;
        for (int i = 0; i < 10_000; i++)
        {
            Device.Free(Device.Allocate((1 << 20) + ((i % 7) * 4096)));
        }
        Device.Synchronize();
        Assert.That(Device.MemoryInfo().Free, Is.GreaterThanOrEqualTo(baseline - Slack));
    }

    [Test]
    public void TenThousandTensors_ThroughTheBackend_LeaveFreeMemoryAtBaseline()
    {
        using var backend = new CudaBackend(new CudaDevice(0));
        var device = (CudaDevice)backend.Device;
        backend.Zeros(new Shape(256, 256)).Dispose();
        backend.ReleaseCachedMemory();
        backend.Synchronize();
        long baseline = device.MemoryInfo().Free;
        for (int i = 0; i < 10_000; i++)
        {
            using var t = backend.Empty(new Shape(256 + (i % 5), 256));
        }
        Assert.That(backend.Allocator.LiveBytes, Is.Zero);
        backend.ReleaseCachedMemory();
        backend.Synchronize();
        Assert.That(device.MemoryInfo().Free, Is.GreaterThanOrEqualTo(baseline - Slack));
    }

    [Test]
    public void RepeatedModuleLoads_LeaveFreeMemoryAtBaseline()
    {
        var compiler = new KernelCompiler();
        new KernelModules(Device.Context, compiler, Device.Info.Arch).Dispose();
        Device.Synchronize();
        long baseline = Device.MemoryInfo().Free;
        for (int i = 0; i < 50; i++)
        {
            using var modules = new KernelModules(Device.Context, compiler, Device.Info.Arch);
            Assert.That(modules.Function("broadcast_roll"), Is.Not.EqualTo(IntPtr.Zero));
        }
        Device.Synchronize();
        Assert.That(Device.MemoryInfo().Free, Is.GreaterThanOrEqualTo(baseline - Slack));
    }

    [Test]
    public void AllocationLargerThanTheDevice_ThrowsAndTheContextStaysUsable()
    {
        var e = Assert.Throws<CudaException>(() => Device.Allocate(Device.Info.TotalMemory * 2));
        Assert.That(e!.Call, Is.EqualTo("cuMemAlloc"));
        Assert.That(e.Message, Does.Contain("CUDA_ERROR_OUT_OF_MEMORY"));
        var backend = new CudaBackend(Device); // the same context; TearDown disposes the device
        using var t = backend.FromArray([1f, 2f, 3f], new Shape(3));
        backend.Axpby(2f, t, 0f, t);
        Assert.That(t.ToArray(), Is.EqualTo(new[] { 2f, 4f, 6f }));
    }

    [TestCase(1000, Description = "through the staging buffer, no wait for the stream")]
    [TestCase(1 << 20, Description = "4 MiB: straight from the caller's memory, then a wait")]
    public void Uploads_QueuedBehindWork_CopyTheSourceAsItWasAtTheCall(int count)
    {
        var backend = new CudaBackend(Device); // TearDown disposes the device
        using var busy = backend.Empty(new Shape(1 << 26));
        var source = new float[count];
        var uploaded = new List<Tensor>();
        for (int k = 1; k <= 4; k++)
        {
            backend.Fill(busy, k); // 256 MiB to write: the stream is still busy when the upload is queued
            Array.Fill(source, k); // one host buffer, overwritten right after each upload
            var t = backend.Empty(new Shape(count));
            backend.CopyFromHost(source, t);
            uploaded.Add(t);
        }
        Array.Fill(source, -1f);
        for (int k = 1; k <= 4; k++)
        {
            Assert.That(uploaded[k - 1].ToArray(), Is.All.EqualTo((float)k), $"upload {k}");
            uploaded[k - 1].Dispose();
        }
    }

    [Test]
    public void UnknownKernel_IsAClearError() =>
        Assert.That(() => Device.Launch("no_such_kernel", new Dim3(1), new Dim3(1), 0, []), Throws.InstanceOf<CudaException>().With.Message.Contains("no_such_kernel"));

    [Test]
    public void Events_TimeQueuedWork()
    {
        using var start = EventHandle.Create(Device.Context);
        using var end = EventHandle.Create(Device.Context);
        var backend = new CudaBackend(Device); // queues on Device.Stream; TearDown disposes the device
        using var t = backend.Empty(new Shape(1 << 24));
        start.Record(Device.Stream);
        backend.Fill(t, 1f);
        end.Record(Device.Stream);
        end.Synchronize();
        Assert.That(end.ElapsedSince(start), Is.GreaterThanOrEqualTo(0f));
    }

    [Test]
    public void DevicesOpen_ReturnsTheCudaBackend([Values("cuda", "cuda:0")] string name)
    {
        using var backend = Devices.Open(name);
        Assert.That(backend, Is.InstanceOf<CudaBackend>());
        Assert.That(backend.Kind, Is.EqualTo(DeviceKind.Cuda));
        Assert.That(backend.Name, Does.StartWith("cuda:0"));
        Assert.That(() => Devices.Open($"cuda:{CudaProbe.Probe().Devices.Count}"), Throws.InstanceOf<ProLoraException>());
    }
}
