using System.Buffers;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A large GEMM on several threads that share each packed block of B. The threads pack a block of
/// op(B)'s rows (a range of k, all columns) together, then take row blocks of C as they come free
/// (large ones first, smaller ones towards the end) and pack only their own A blocks. A fixed split
/// of C made a call as slow as its slowest thread, and on a shared machine one thread often starts
/// late or runs slow; here the other one takes over its rows.
/// </summary>
internal static unsafe class GemmSharedB<TKernel>
    where TKernel : struct, IGemmKernel
{
    /// <summary>Floats of packed B held at once (16 MiB, two blocks): all of n × as many rows of k as fit.</summary>
    public const int DefaultBudgetFloats = 4 * 1024 * 1024;

    private const int Kc = 256;

    // The smallest row block, in panels: B panels are reused from L1 across a block's A panels.
    private const int MinPanels = 4;

    /// <summary>Whether the shape is large enough in every direction for the row blocks to pay.</summary>
    public static bool Suits(int m, int n, int k, int threads) =>
        threads > 1 && k >= 64 && n >= 64 && m >= threads * TKernel.MC;

    public static void Run(in GemmOperands op, int m, int n, int threads, int budgetFloats = DefaultBudgetFloats)
    {
        int k = op.K, nr = TKernel.NR;
        int kc = Math.Min(Kc, k), padded = GemmSizes.RoundUp(n, nr);
        // B is packed a block of k rows at a time, all of its columns, so every element of A is packed
        // once; two buffers, so that threads pack the next block while the last rows of this one finish.
        int depth = Math.Min(k, Math.Max(kc, budgetFloats / 2 / padded / kc * kc));
        var plan = new Plan(m, k, depth, kc, threads);
        var bArray = ArrayPool<float>.Shared.Rent((2 * depth * padded) + 16);
        try
        {
            fixed (float* bPinned = bArray)
            {
                nint buffers = (nint)GemmSizes.Align64(bPinned);
                var o = op;
                CpuWorkers.For(threads, threads, _ => Work(o, plan, n, padded, (float*)buffers));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bArray);
        }
    }

    // One thread, block after block of B: pack the slices no one has taken, wait until the block is
    // packed and the previous one is done (C's rows must take the blocks in order), then take rows.
    private static void Work(in GemmOperands op, Plan plan, int n, int padded, float* buffers)
    {
        int kc = plan.Kc;
        var aArray = ArrayPool<float>.Shared.Rent((TKernel.MC * kc) + 16);
        float* tile = stackalloc float[TKernel.MR * TKernel.NR];
        try
        {
            fixed (float* aPinned = aArray)
            {
                float* aBuf = GemmSizes.Align64(aPinned);
                for (int t = 0; t < plan.Blocks; t++)
                {
                    int p0 = t * plan.Depth, rowsOfB = Math.Min(plan.Depth, op.K - p0);
                    // Block t's buffer last held block t - 2, all done before block t - 1 began.
                    float* bBlock = buffers + ((nint)(t % 2) * plan.Depth * padded);
                    for (int pc = plan.TakeSlice(t); pc >= 0; pc = plan.TakeSlice(t))
                    {
                        GemmPacking.PackB(op, p0 + pc, Math.Min(kc, rowsOfB - pc), 0, n, bBlock + ((nint)pc * padded), TKernel.NR);
                        plan.SlicePacked(t);
                    }
                    plan.WaitReady(t);
                    while (plan.Rows[t].TryTake(out int i0, out int mb))
                    {
                        for (int pc = 0; pc < rowsOfB; pc += kc)
                        {
                            // Later k slices add to what the first one wrote.
                            float beta = p0 + pc == 0 ? op.Beta : 1f;
                            GemmDriver<TKernel>.Block(op, i0, mb, 0, n, p0 + pc, Math.Min(kc, rowsOfB - pc), false, aBuf, bBlock + ((nint)pc * padded), tile, beta);
                        }
                        plan.RowsDone(t, mb);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aArray);
        }
    }

    /// <summary>
    /// Progress shared by the threads: for each block of B, the k slices taken and packed, its rows of
    /// C, and how many of them are done.
    /// </summary>
    private sealed class Plan
    {
        private readonly int m, k;
        private readonly int[] slicesTaken, slicesPacked, rowsDone;

        public Plan(int m, int k, int depth, int kc, int threads)
        {
            (this.m, this.k, Depth, Kc) = (m, k, depth, kc);
            Blocks = (k + depth - 1) / depth;
            slicesTaken = new int[Blocks];
            slicesPacked = new int[Blocks];
            rowsDone = new int[Blocks];
            Rows = [.. Enumerable.Range(0, Blocks).Select(_ => new RowBlocks(m, threads))];
        }

        public int Blocks { get; }

        public int Depth { get; }

        public int Kc { get; }

        public RowBlocks[] Rows { get; }

        /// <summary>The first row (within block t) of a k slice no thread has taken, or -1.</summary>
        public int TakeSlice(int t)
        {
            int q = Interlocked.Increment(ref slicesTaken[t]) - 1;
            return q < Slices(t) ? q * Kc : -1;
        }

        public void SlicePacked(int t) => Interlocked.Increment(ref slicesPacked[t]);

        public void RowsDone(int t, int rows) => Interlocked.Add(ref rowsDone[t], rows);

        /// <summary>Waits (spinning, then yielding) until block t is packed and every row of block t − 1 is done.</summary>
        public void WaitReady(int t)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref slicesPacked[t]) < Slices(t) || (t > 0 && Volatile.Read(ref rowsDone[t - 1]) < m))
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        private int Slices(int t) => (Math.Min(Depth, k - (t * Depth)) + Kc - 1) / Kc;
    }

    /// <summary>
    /// Hands out C's rows in blocks, a multiple of MR each: a share of what is left (so the last
    /// blocks are small and the threads finish together), at most MC (the A block fits L2).
    /// </summary>
    private sealed class RowBlocks(int m, int threads)
    {
        private int next;

        public bool TryTake(out int i0, out int rows)
        {
            int mr = TKernel.MR;
            while (true)
            {
                int start = Volatile.Read(ref next);
                if (start >= m)
                {
                    (i0, rows) = (0, 0);
                    return false;
                }
                int size = Math.Clamp(GemmSizes.RoundUp((m - start) / (2 * threads), mr), MinPanels * mr, TKernel.MC);
                size = Math.Min(size, m - start);
                if (Interlocked.CompareExchange(ref next, start + size, start) == start)
                {
                    (i0, rows) = (start, size);
                    return true;
                }
            }
        }
    }
}
