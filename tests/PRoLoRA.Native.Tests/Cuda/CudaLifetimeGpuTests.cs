using System.Runtime.InteropServices;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// How the GPU's objects end: handles released in the right order and context, and the device's
/// state after its disposal. Skipped without a GPU (a failure under PROLORA_REQUIRE_GPU=1).
/// A crashed kernel is <see cref="StickyErrorGpuTests"/>' business.
/// </summary>
[Category("Gpu")]
public sealed unsafe class CudaLifetimeGpuTests
{
    [SetUp]
    public void RequireGpu() => Gpu.Require();

    [Test]
    public void CublasHandle_KeepsItsContext_AndIsDestroyedWithItCurrent()
    {
        int device;
        Assert.That(DriverApi.DeviceGet(&device, 0), Is.Zero);
        var context = ContextHandle.Retain(device);
        context.MakeCurrent();
        var stream = StreamHandle.Create(context);
        var blas = CublasHandle.Create(context, stream);
        context.Dispose(); // released only after the handles bound to it
        var thread = new Thread(() =>
        {
            blas.Dispose(); // a thread with no context current, as a finalizer's
            stream.Dispose();
        });
        thread.Start();
        thread.Join();

        using var backend = CudaBackend.Open();
        using var a = backend.FromArray([1f, 2f, 3f, 4f], new Shape(2, 2));
        using var c = backend.Empty(new Shape(2, 2));
        backend.Gemm(a, a, c);
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 7f, 10f, 15f, 22f }));
    }

    [Test]
    public void EveryEntryPoint_OfADisposedDevice_ThrowsObjectDisposed()
    {
        var device = new CudaDevice(0);
        IntPtr memory = device.Allocate(64);
        device.Dispose();
        // Launch arguments and a host buffer in native memory (lambdas cannot take the address of locals).
        long* values = (long*)NativeMemory.AllocZeroed(4 * sizeof(long));
        values[0] = memory;
        *(int*)(values + 1) = 1;
        float* host = (float*)(values + 3);
        IntPtr[] arguments = [(IntPtr)values, (IntPtr)(values + 1), (IntPtr)(values + 2)];
        Assert.Multiple(() =>
        {
            Assert.That(() => device.Allocate(64), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Free(memory), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.CopyHostToDevice(memory, host, sizeof(float)), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.CopyDeviceToHost(host, memory, sizeof(float)), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.CopyDeviceToDevice(memory, memory, sizeof(float)), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Launch("fill", new Dim3(1), new Dim3(1), 0, arguments), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Sgemm(false, false, 1, 1, 1, 1f, memory, 1, memory, 1, 0f, memory, 1), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.SgemmStridedBatched(false, false, 1, 1, 1, 1f, memory, 1, 1, memory, 1, 1, 0f, memory, 1, 1, 2), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(device.Synchronize, Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.MemoryInfo(), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Modules, Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Context, Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(() => device.Stream, Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(device.Dispose, Throws.Nothing);
        });
        NativeMemory.Free(values);
    }
}
