namespace PRoLoRA.Bench;

/// <summary>
/// The timing loop: warm-up calls (JIT tiers, page faults, allocator pools, cuBLAS heuristics), then
/// timed repetitions. Several methods are interleaved (one repetition of each in turn) so that machine
/// noise hits them alike and their ratios stay meaningful on a busy machine.
/// </summary>
internal static class Harness
{
    /// <summary>Statistics of one call timed <paramref name="reps"/> times after <paramref name="warmup"/> untimed calls.</summary>
    public static Stats Measure(IClock clock, Action call, int warmup, int reps, double minWarmupMs = 0) => Interleaved(clock, [call], warmup, reps, minWarmupMs)[0];

    /// <summary>
    /// Statistics of each call, their repetitions interleaved round by round, after at least
    /// <paramref name="warmup"/> untimed rounds lasting at least <paramref name="minWarmupMs"/> in all. Short
    /// calls need the time: .NET's tiered JIT promotes a method to optimised code only after some
    /// 30 calls and a quiet interval of about 100 ms, so a few warm-up calls would time tier-0 code.
    /// <paramref name="settleMs"/>, when positive, is an untimed pause before every timed call: OpenBLAS's
    /// idle threads spin for about 0.1 s after a call and would take a core from whatever runs next.
    /// </summary>
    public static Stats[] Interleaved(IClock clock, IReadOnlyList<Action> calls, int warmup, int reps, double minWarmupMs = 0, int settleMs = 0) =>
        [.. InterleavedTimes(clock, calls, warmup, reps, minWarmupMs, settleMs).Select(Stats.Of)];

    /// <summary>As <see cref="Interleaved"/>, but each call's times in milliseconds, repetition by repetition.</summary>
    public static double[][] InterleavedTimes(IClock clock, IReadOnlyList<Action> calls, int warmup, int reps, double minWarmupMs = 0, int settleMs = 0)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int w = 0; w < warmup || System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds < minWarmupMs; w++)
        {
            foreach (var call in calls)
            {
                clock.Time(call);
            }
        }
        var times = calls.Select(_ => new List<double>(reps)).ToArray();
        for (int r = 0; r < reps; r++)
        {
            for (int i = 0; i < calls.Count; i++)
            {
                if (settleMs > 0)
                {
                    Thread.Sleep(settleMs);
                }
                times[i].Add(clock.Time(calls[i]));
            }
        }
        return [.. times.Select(t => t.ToArray())];
    }

    /// <summary>
    /// <paramref name="call"/> made <paramref name="times"/> times in a row: on the GPU a single short launch
    /// timed by events would include the host's launch latency, a batch of them queues back to back.
    /// </summary>
    public static Action Batch(Action call, int times) => () =>
    {
        for (int i = 0; i < times; i++)
        {
            call();
        }
    };

    /// <summary>
    /// Repetitions that fit <paramref name="budgetMs"/> given one round's time, within [min, max]:
    /// long shapes get few, short ones many.
    /// </summary>
    public static int RepsFor(double roundMs, double budgetMs, int min, int max) =>
        Math.Clamp((int)(budgetMs / Math.Max(roundMs, 1e-3)), min, max);
}
