using PRoLoRA.Native.Cuda;

namespace PRoLoRA.Native.Tests.Cuda;

/// <summary>The limits on records, without NVRTC: spills, 48 KiB of static shared memory, and the opt-in marker.</summary>
public sealed class KernelResourceLimitsTests
{
    private static readonly KernelSource Plain = new("k.cu", "extern \"C\" __global__ void k(float* x) {}\n");
    private static readonly KernelSource OptedIn = new("k.cu", "// prolora: large-shared-memory (needs 64 KiB tiles)\nextern \"C\" __global__ void k(float* x) {}\n");

    private static KernelResources Kernel(int shared = 0, int spillStores = 0, int spillLoads = 0) =>
        new("k.cu", "k", "sm_90", 32, spillStores, spillLoads, spillStores, shared, null);

    [Test]
    public void AKernelWithinTheLimits_HasNoProblems() =>
        Assert.That(KernelResourceLimits.Problems(Plain, [Kernel(shared: 48 * 1024)]), Is.Empty);

    [TestCase(4, 0)]
    [TestCase(0, 4)]
    public void AnySpill_IsAProblem(int stores, int loads) =>
        Assert.That(KernelResourceLimits.Problems(OptedIn, [Kernel(spillStores: stores, spillLoads: loads)]).Single(), Does.Contain("k spills registers on sm_90"));

    [Test]
    public void SharedMemoryOver48KiB_IsAProblem_UnlessTheFileOptsIn()
    {
        var big = Kernel(shared: 48 * 1024 + 4);
        Assert.That(KernelResourceLimits.Problems(Plain, [big]).Single(), Does.Contain("49156 bytes of static shared memory").And.Contain(KernelResourceLimits.LargeSharedMemoryMarker));
        Assert.That(KernelResourceLimits.AllowsLargeSharedMemory(OptedIn), Is.True);
        Assert.That(KernelResourceLimits.Problems(OptedIn, [big]), Is.Empty);
    }

    [Test]
    public void NoKernelFile_OptsIn() =>
        Assert.That(KernelSources.Programs.Where(KernelResourceLimits.AllowsLargeSharedMemory).Select(s => s.FileName), Is.Empty,
            "no kernel uses shared memory yet; a file that opts in is listed in cuda/README.md");
}
