using System.Diagnostics;

namespace PRoLoRA.Bench;

/// <summary>Wall time of a call (the CPU backend finishes its work before returning).</summary>
internal sealed class StopwatchClock : IClock
{
    /// <inheritdoc/>
    public double Time(Action call)
    {
        long start = Stopwatch.GetTimestamp();
        call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
