using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda.Handles;
using PRoLoRA.Native.Cuda.Interop;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// How the GPU's objects end: handles released in the right order and context, and the device's
/// state after its disposal. Skipped without a GPU (a failure under PROLORA_REQUIRE_GPU=1).
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
}
