using System.Runtime.InteropServices;
using PRoLoRA.Native.Backends.Cuda;
using PRoLoRA.Native.Cuda;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>
/// A kernel that crashes (an illegal address): the error is reported as sticky, disposing the device
/// still frees everything, and the next device either works or says that the process must restart.
/// A crash ends CUDA for the rest of its process on real drivers, so this runs only where
/// <see cref="IsolatedVariable"/>=1 says it is alone in its process (run-gpu.sh's gpu-sticky step).
/// </summary>
[Category("Gpu")]
[Category(Category)]
public sealed unsafe class StickyErrorGpuTests
{
    /// <summary>The category run-gpu.sh leaves out of the main GPU run and runs in a process of its own.</summary>
    public const string Category = "PoisonsCuda";

    /// <summary>Set to 1 where these tests run alone in their process.</summary>
    public const string IsolatedVariable = "PROLORA_ISOLATED_STICKY_TEST";

    [SetUp]
    public void RequireGpuAndIsolation()
    {
        Gpu.Require();
        if (Environment.GetEnvironmentVariable(IsolatedVariable) != "1")
        {
            Assert.Ignore($"crashes a kernel, which leaves CUDA unusable for the rest of the process: run alone with {IsolatedVariable}=1 (run-gpu.sh's gpu-sticky step)");
        }
    }

    [Test]
    public void AfterAnIllegalAddress_DisposeFreesTheDevice_AndTheNextOpenWorksOrSaysToRestart()
    {
        var device = new CudaDevice(0);
        long* values = (long*)NativeMemory.AllocZeroed(3 * sizeof(long));
        values[0] = 0x10; // fill's x: no device memory lives there
        *(int*)(values + 1) = 1 << 20;
        IntPtr[] arguments = [(IntPtr)values, (IntPtr)(values + 1), (IntPtr)(values + 2)];
        var e = Assert.Throws<CudaException>(() =>
        {
            device.Launch("fill", new Dim3((1 << 20) / 256), new Dim3(256), 0, arguments);
            device.Synchronize();
        });
        NativeMemory.Free(values);
        Assert.That(StickyErrors.Is(e!.Status), Is.True, e.Message);
        Assert.That(device.Dispose, Throws.Nothing);

        CudaBackend backend;
        try
        {
            backend = CudaBackend.Open();
        }
        catch (CudaException again)
        {
            Assert.That(StickyErrors.Is(again.Status), Is.True, again.Message);
            Assert.That(again.Message, Does.Contain("restart the process"));
            return;
        }
        using (backend) // a driver that recovers: kernels and cuBLAS work in the reset context
        {
            using var a = backend.FromArray([1f, 2f, 3f, 4f], new Shape(2, 2));
            using var c = backend.Empty(new Shape(2, 2));
            backend.Axpby(2f, a, 0f, a);
            backend.Gemm(a, a, c);
            Assert.That(c.ToArray(), Is.EqualTo(new[] { 28f, 40f, 60f, 88f }));
        }
    }
}
