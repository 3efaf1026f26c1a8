using PRoLoRA.Native.Backends.Cuda;

namespace PRoLoRA.Native.Tests.HostKernels;

/// <summary>
/// Each sanitizer detector of the host shim catches the bug planted for it
/// (cuda/host/shim_test_kernels.cu), and the launch fails with the kernel's name and the problem
/// instead of crashing or passing.
/// </summary>
public sealed class SanitizerTests : HostKernelFixture
{
    private void AssertCaught(string kernel, Dim3 block, KernelArgs args, params string[] problem)
    {
        var e = Assert.Throws<InvalidOperationException>(() => Run(kernel, new Dim3(1), block, 0, args));
        Assert.That(e!.Message, Does.StartWith($"{kernel}: block (0, 0, 0) thread ("));
        foreach (var p in problem)
        {
            Assert.That(e.Message, Does.Contain(p));
        }
    }

    [Test]
    public void AWriteOnePastTheEndOfAnAllocation_IsCaught()
    {
        var x = Upload<float>(new float[1000]);
        AssertCaught("planted_out_of_bounds", new Dim3(32), new KernelArgs { x, 1000 }, "invalid global memory access", "0 bytes past the end of the 4000-byte allocation");
    }

    [Test]
    public void AnAccessToFreedMemory_IsCaught()
    {
        var freed = Device.Allocate(64);
        Device.Free(freed);
        AssertCaught("planted_out_of_bounds", new Dim3(1), new KernelArgs { freed, 0 }, "invalid global memory access", "outside every live allocation");
    }

    [Test]
    public void ABarrierNotEveryThreadReaches_IsReportedAsDivergence()
        => AssertCaught("planted_divergent_barrier", new Dim3(32), new KernelArgs { Upload<float>(new float[32]) }, "__syncthreads", "not reached by every thread");

    [Test]
    public void TwoThreadsTouchingOneSharedElementBetweenBarriers_IsARace()
        => AssertCaught("planted_shared_race", new Dim3(64), new KernelArgs { Upload<float>(new float[64]) }, "shared-memory race on cells[", "__syncthreads");

    [Test]
    public void ASharedArrayReadPastItsEnd_IsCaught()
        => AssertCaught("planted_shared_out_of_bounds", new Dim3(32), new KernelArgs { Upload<float>(new float[32]) }, "shared array cells[32] is out of bounds (32 elements)");

    [Test]
    public void AShuffleWithLanesThatExited_IsCaught()
        => AssertCaught("planted_warp_exit", new Dim3(32), new KernelArgs { Upload<float>(new float[32]) }, "names lane 16 in its mask", "has exited");

    [Test]
    public void AfterACaughtFault_TheShimKeepsWorking()
    {
        var x = Upload<float>(new float[1000]);
        Assert.Throws<InvalidOperationException>(() => Run("planted_out_of_bounds", new Dim3(1), new Dim3(32), 0, new KernelArgs { x, 1000 }));
        var ok = Upload<float>(new float[4]);
        Run("fill", new Dim3(1), new Dim3(32), 0, new KernelArgs { ok, 4, 2f });
        Assert.That(ok.Download(), Is.EqualTo(new[] { 2f, 2f, 2f, 2f }));
    }
}
