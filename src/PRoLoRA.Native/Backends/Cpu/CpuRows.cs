namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// The row loops of the row-wise ops (RMSNorm, RoPE, the causal softmax), split over the cores in
/// contiguous blocks of rows. A row is computed the same way whichever thread takes it, so the results
/// do not depend on the thread count.
/// </summary>
internal static class CpuRows
{
    // Below this many elements in all, waking a second thread costs more than it brings.
    private const long ParallelThreshold = 1L << 15;

    /// <summary>Runs block(start, end) over rows 0 .. rows − 1 of <paramref name="rowLength"/> elements each, on the cores when the work is large enough.</summary>
    public static void For(int rows, long rowLength, Action<int, int> block) => For(rows, rowLength, Environment.ProcessorCount, block);

    /// <summary>The same on at most <paramref name="threads"/> threads (tests compare thread counts).</summary>
    public static void For(int rows, long rowLength, int threads, Action<int, int> block)
    {
        if (threads <= 1 || rows < 2 || rows * rowLength < ParallelThreshold)
        {
            block(0, rows);
            return;
        }
        // A few blocks per thread, so a thread that starts late (a shared host) takes fewer.
        int blocks = Math.Min(rows, threads * 4);
        int per = (rows + blocks - 1) / blocks;
        CpuWorkers.For(blocks, threads, b =>
        {
            int start = b * per;
            if (start < rows)
            {
                block(start, Math.Min(rows, start + per));
            }
        });
    }
}
