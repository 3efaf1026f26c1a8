using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>CpuWorkers runs every item exactly once whatever the thread count, nesting or concurrency, and rethrows.</summary>
public class CpuWorkersTests
{
    [TestCase(0, 2)]
    [TestCase(1, 2)]
    [TestCase(7, 1)]
    [TestCase(7, 2)]
    [TestCase(100, 8)]
    public void For_RunsEachItemOnce(int count, int threads)
    {
        var hits = new int[count];
        CpuWorkers.For(count, threads, i => Interlocked.Increment(ref hits[i]));
        Assert.That(hits, Is.All.EqualTo(1));
    }

    [Test]
    public void For_NestedAndConcurrentCalls_RunEachItemOnce()
    {
        var hits = new int[4 * 8 * 8];
        Parallel.For(0, 4, outer =>
        {
            for (int round = 0; round < 8; round++)
            {
                CpuWorkers.For(8, 2, i => CpuWorkers.For(8, 2, j => Interlocked.Increment(ref hits[(((outer * 8) + i) * 8) + j])));
            }
        });
        Assert.That(hits, Is.All.EqualTo(8));
    }

    [Test]
    public void For_RethrowsTheBodysException_AndStaysUsable()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CpuWorkers.For(16, 2, i =>
        {
            if (i == 11)
            {
                throw new InvalidOperationException("item 11 failed");
            }
        }));
        Assert.That(e!.Message, Is.EqualTo("item 11 failed"));
        int done = 0;
        CpuWorkers.For(16, 2, _ => Interlocked.Increment(ref done));
        Assert.That(done, Is.EqualTo(16));
    }

    [Test]
    public void ThreadPlacement_ReportsACoreAndIgnoresBadRequests()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("thread placement is Linux only");
        }
        int cpu = ThreadPlacement.CurrentCpu();
        Assert.That(cpu, Is.InRange(0, 1023));
        Assert.That(ThreadPlacement.CurrentThreadId(), Is.GreaterThan(0));
        // Best effort only: out-of-range cores and unknown threads are ignored.
        Assert.DoesNotThrow(() => ThreadPlacement.Avoid(ThreadPlacement.CurrentThreadId(), -1));
        Assert.DoesNotThrow(() => ThreadPlacement.Avoid(0, cpu));
        Assert.DoesNotThrow(() => ThreadPlacement.Avoid(int.MaxValue, cpu));
    }
}
