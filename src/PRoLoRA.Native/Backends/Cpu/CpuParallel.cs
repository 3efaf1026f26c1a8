namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>The CPU backend's parallel loops: Parallel.For capped at the threads the caller asked for.</summary>
internal static class CpuParallel
{
    /// <summary>
    /// Runs body(0) … body(count − 1) on at most <paramref name="threads"/> threads at once, the caller's
    /// included. Uncapped, Parallel.For put a GEMM's items on more pool threads than there are cores
    /// (three on two cores, traced), and the item that shared a core held the whole call up.
    /// </summary>
    public static void For(int count, int threads, Action<int> body)
    {
        if (count <= 1 || threads <= 1)
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
