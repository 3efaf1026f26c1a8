using PRoLoRA.Bench;

namespace PRoLoRA.Native.Tests.Bench;

/// <summary>The benchmark's statistics: medians and the paired ratio its GEMM comparison reports.</summary>
public class StatsTests
{
    [Test]
    public void Of_GivesMedianMinMax()
    {
        var s = Stats.Of([4.0, 1.0, 3.0, 2.0]);
        Assert.That((s.MedianMs, s.MinMs, s.MaxMs, s.Runs), Is.EqualTo((2.5, 1.0, 4.0, 4)));
    }

    [Test]
    public void MedianRatio_PairsRoundByRound()
    {
        // The machine is four times slower in round 3: each round but round 2 (where ours was held up)
        // has ours twice as fast, while the medians' ratio (4 / 2) says the opposite.
        double[] ours = [1, 4, 4];
        double[] other = [2, 2, 8];
        Assert.That(Stats.MedianRatio(ours, other), Is.EqualTo(0.5));
        Assert.That(Stats.Of(ours).MedianMs / Stats.Of(other).MedianMs, Is.EqualTo(2.0));
        Assert.That(Stats.MedianRatio([1, 3, 10], [1, 2, 4]), Is.EqualTo(1.5));
    }

    [Test]
    public void MedianRatio_UnpairedRuns_NameTheProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => Stats.MedianRatio([1.0, 2.0], [1.0]));
        Assert.That(e!.Message, Does.Contain("equal, non-empty runs"));
        Assert.Throws<ArgumentException>(() => Stats.MedianRatio([], []));
    }
}
