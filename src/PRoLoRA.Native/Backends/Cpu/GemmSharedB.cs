using System.Buffers;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// A large GEMM on several threads that share each packed block of B (a range of k, all columns).
/// Each thread owns a range of C's columns: it packs that range of B and computes C's tiles there,
/// so the packed B it reads is the one it wrote, in its own caches (on the AMD EPYC build machine,
/// reading what the other core packed ran 10-15 % slower). A thread that is done takes what is left
/// of the others' packing and tiles: a fixed split made a call as slow as its slowest thread, and on
/// a shared machine one thread often starts late or runs slow.
/// </summary>
internal static unsafe class GemmSharedB<TKernel>
    where TKernel : struct, IGemmKernel
{
    /// <summary>Floats of packed B held at once (16 MiB, two blocks): all of n × as many rows of k as fit.</summary>
    public const int DefaultBudgetFloats = 4 * 1024 * 1024;

    // The narrowest tile: packing its A block costs little beside the products.
    private const int MinCols = 256;

    /// <summary>Whether the shape is large enough in every direction for the shared blocks to pay.</summary>
    public static bool Suits(int m, int n, int k, int threads) =>
        threads > 1 && k >= 64 && n >= 64 && m >= threads * TKernel.MC;

    public static void Run(in GemmOperands op, int m, int n, int threads, int budgetFloats = DefaultBudgetFloats)
    {
        int k = op.K, nr = TKernel.NR;
        int kc = Math.Min(TKernel.KC, k), padded = GemmSizes.RoundUp(n, nr);
        // B is packed a block of k rows at a time, all of its columns, so every element of A is packed
        // once per range; two buffers, so that threads pack the next block while this one finishes.
        int depth = Math.Min(k, Math.Max(kc, budgetFloats / 2 / padded / kc * kc));
        var plan = new Plan(m, n, k, depth, kc, threads);
        var bArray = ArrayPool<float>.Shared.Rent((2 * depth * padded) + 16);
        try
        {
            fixed (float* bPinned = bArray)
            {
                nint buffers = (nint)GemmSizes.Align64(bPinned);
                var o = op;
                CpuWorkers.For(threads, threads, owner => Work(o, plan, owner, padded, (float*)buffers));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bArray);
        }
    }

    // One thread, block after block of B: pack the slices of its range (then any nobody has taken),
    // wait until the block is packed and the previous one is done (C must take the blocks in order),
    // then compute tiles of its range (then any left).
    private static void Work(in GemmOperands op, Plan plan, int owner, int padded, float* buffers)
    {
        int kc = plan.Kc;
        var aArray = ArrayPool<float>.Shared.Rent((TKernel.MC * kc) + 16);
        float* scratch = stackalloc float[TKernel.MR * TKernel.NR];
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
                    while (plan.TakeSlice(t, owner, out var range, out int pc))
                    {
                        int depth = Math.Min(kc, rowsOfB - pc);
                        GemmPacking.PackB(op, p0 + pc, depth, range.J0, range.Cols, bBlock + ((nint)pc * padded) + ((nint)range.J0 * depth), TKernel.NR);
                        plan.SlicePacked(t);
                    }
                    plan.WaitReady(t);
                    while (plan.TakeTile(t, owner, out var tile))
                    {
                        for (int pc = 0; pc < rowsOfB; pc += kc)
                        {
                            // Later k slices add to what the first one wrote.
                            float beta = p0 + pc == 0 ? op.Beta : 1f;
                            int depth = Math.Min(kc, rowsOfB - pc);
                            float* panels = bBlock + ((nint)pc * padded) + ((nint)tile.J0 * depth);
                            GemmDriver<TKernel>.Block(op, tile.I0, tile.Rows, tile.J0, tile.Cols, p0 + pc, depth, false, aBuf, panels, scratch, beta);
                        }
                        plan.TileDone(t, tile);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aArray);
        }
    }

    /// <summary>A rectangle of C: rows [I0, I0 + Rows) × columns [J0, J0 + Cols).</summary>
    private readonly record struct Tile(int I0, int Rows, int J0, int Cols);

    /// <summary>
    /// Progress shared by the threads: for each block of B, and each thread's range of columns, the k
    /// slices taken and the tiles handed out; for each block, the slices packed and how much of C is done.
    /// </summary>
    private sealed class Plan
    {
        private readonly int k, ranges;
        private readonly long area;
        private readonly int[] slicesTaken, slicesPacked;
        private readonly long[] done;
        private readonly Tiles[] tiles;

        public Plan(int m, int n, int k, int depth, int kc, int threads)
        {
            (this.k, area, Depth, Kc) = (k, (long)m * n, depth, kc);
            Blocks = (k + depth - 1) / depth;
            int panels = (n + TKernel.NR - 1) / TKernel.NR;
            ranges = Math.Min(threads, panels);
            slicesTaken = new int[Blocks * ranges];
            slicesPacked = new int[Blocks];
            done = new long[Blocks];
            tiles = new Tiles[Blocks * ranges];
            for (int r = 0; r < ranges; r++)
            {
                int first = panels * r / ranges, last = panels * (r + 1) / ranges;
                var range = new Tile(0, m, first * TKernel.NR, Math.Min(last * TKernel.NR, n) - (first * TKernel.NR));
                for (int t = 0; t < Blocks; t++)
                {
                    tiles[(t * ranges) + r] = new Tiles(range, threads);
                }
            }
        }

        public int Blocks { get; }

        public int Depth { get; }

        public int Kc { get; }

        /// <summary>A k slice (its first row within block t) of a range no thread has taken, the owner's range first.</summary>
        public bool TakeSlice(int t, int owner, out Tile range, out int pc)
        {
            for (int i = 0; i < ranges; i++)
            {
                int r = (owner + i) % ranges;
                int q = Interlocked.Increment(ref slicesTaken[(t * ranges) + r]) - 1;
                if (q < Slices(t))
                {
                    (range, pc) = (tiles[(t * ranges) + r].Range, q * Kc);
                    return true;
                }
            }
            (range, pc) = (default, -1);
            return false;
        }

        public void SlicePacked(int t) => Interlocked.Increment(ref slicesPacked[t]);

        /// <summary>A tile of block t nobody has taken, the owner's range first.</summary>
        public bool TakeTile(int t, int owner, out Tile tile)
        {
            for (int i = 0; i < ranges; i++)
            {
                if (tiles[(t * ranges) + ((owner + i) % ranges)].TryTake(out tile))
                {
                    return true;
                }
            }
            tile = default;
            return false;
        }

        public void TileDone(int t, Tile tile) => Interlocked.Add(ref done[t], (long)tile.Rows * tile.Cols);

        /// <summary>Waits (spinning, then yielding) until block t is packed and all of C is done with block t − 1.</summary>
        public void WaitReady(int t)
        {
            var spin = default(SpinWait);
            while (Volatile.Read(ref slicesPacked[t]) < Slices(t) * ranges || (t > 0 && Volatile.Read(ref done[t - 1]) < area))
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        private int Slices(int t) => (Math.Min(Depth, k - (t * Depth)) + Kc - 1) / Kc;
    }

    /// <summary>
    /// Hands out one range of C's columns in tiles: row blocks of at most MC rows (the A block fits L2),
    /// all of about the same height, each cut into runs of B panels. A run is a share of what is left
    /// (so the last tiles are small and the threads reach the end of a block of B together), at least
    /// <see cref="MinCols"/> wide, and never crosses into the next row block.
    /// </summary>
    private sealed class Tiles
    {
        private readonly int threads, blockRows, panels, total;
        private int next;

        public Tiles(Tile range, int threads)
        {
            (Range, this.threads) = (range, threads);
            int rowBlocks = (range.Rows + TKernel.MC - 1) / TKernel.MC;
            blockRows = GemmSizes.RoundUp((range.Rows + rowBlocks - 1) / rowBlocks, TKernel.MR);
            panels = (range.Cols + TKernel.NR - 1) / TKernel.NR;
            total = (range.Rows + blockRows - 1) / blockRows * panels;
        }

        /// <summary>The columns (all rows) this hands out.</summary>
        public Tile Range { get; }

        public bool TryTake(out Tile tile)
        {
            while (true)
            {
                int start = Volatile.Read(ref next);
                if (start >= total)
                {
                    tile = default;
                    return false;
                }
                int row = start / panels, panel = start % panels;
                int size = Math.Min(Math.Max((total - start) / threads, MinCols / TKernel.NR), panels - panel);
                if (Interlocked.CompareExchange(ref next, start + size, start) == start)
                {
                    int i0 = row * blockRows, j0 = Range.J0 + (panel * TKernel.NR);
                    tile = new Tile(i0, Math.Min(blockRows, Range.Rows - i0), j0, Math.Min(size * TKernel.NR, Range.J0 + Range.Cols - j0));
                    return true;
                }
            }
        }
    }
}
