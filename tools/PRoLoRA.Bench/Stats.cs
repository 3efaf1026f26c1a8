namespace PRoLoRA.Bench;

/// <summary>Median, minimum and maximum of the timed repetitions, in milliseconds.</summary>
/// <param name="MedianMs">Median.</param>
/// <param name="MinMs">Fastest repetition.</param>
/// <param name="MaxMs">Slowest repetition.</param>
/// <param name="Runs">Number of timed repetitions.</param>
public sealed record Stats(double MedianMs, double MinMs, double MaxMs, int Runs)
{
    /// <summary>Per-call statistics of repetitions that each made <paramref name="calls"/> calls.</summary>
    public Stats PerCall(int calls) => new(MedianMs / calls, MinMs / calls, MaxMs / calls, Runs);

    /// <summary>
    /// The median over repetitions of <paramref name="ours"/>[r] / <paramref name="other"/>[r]: two calls timed
    /// in the same round meet the same machine, so a drift in its speed (a shared host) cancels out.
    /// </summary>
    public static double MedianRatio(IReadOnlyList<double> ours, IReadOnlyList<double> other)
    {
        if (ours.Count == 0 || ours.Count != other.Count)
        {
            throw new ArgumentException($"paired ratios need equal, non-empty runs ({ours.Count} and {other.Count})", nameof(other));
        }
        return Median([.. ours.Select((t, r) => t / other[r]).Order()]);
    }

    /// <summary>The statistics of <paramref name="times"/> (milliseconds, at least one).</summary>
    public static Stats Of(IReadOnlyList<double> times)
    {
        if (times.Count == 0)
        {
            throw new ArgumentException("no repetitions were timed", nameof(times));
        }
        var sorted = times.Order().ToArray();
        return new Stats(Median(sorted), sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>The nearest-rank percentile <paramref name="q"/> (in (0, 1]) of <paramref name="times"/> (at least one).</summary>
    public static double Percentile(IReadOnlyList<double> times, double q)
    {
        var sorted = times.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static double Median(double[] sorted)
    {
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}
