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
    /// <summary>Floats of packed B held at once (16 MiB): all of n × as many rows of k as fit.</summary>
    public const int DefaultBudgetFloats = 4 * 1024 * 1024;

    private const int Kc = 256;

    // The smallest row block, in panels: B panels are reused from L1 across a block's A panels.
    private const int MinPanels = 4;

    /// <summary>Whether the shape is large enough in every direction for the row blocks to pay.</summary>
    public static bool Suits(int m, int n, int k, int threads) =>
        threads > 1 && k >= 64 && n >= 64 && m >= threads * TKernel.MC;

    public static void Run(in GemmOperands op, int m, int n, int threads, int budgetFloats = DefaultBudgetFloats)
    {
        int k = op.K, nr = GemmPacking.NR;
        int kc = Math.Min(Kc, k), padded = RoundUp(n, nr);
        // B is packed a block of k rows at a time, all of its columns, so every element of A is packed once.
        int depth = Math.Min(k, Math.Max(kc, budgetFloats / padded / kc * kc));
        var bArray = ArrayPool<float>.Shared.Rent((depth * padded) + 16);
        try
        {
            fixed (float* bPinned = bArray)
            {
                nint bBuf = (nint)Align64(bPinned);
                var o = op;
                for (int p0 = 0; p0 < k; p0 += depth)
                {
                    int rowsOfB = Math.Min(depth, k - p0);
                    // The k slice at p0 + q·kc is packed at bBuf + q·kc·padded, as panels of kc×16.
                    CpuWorkers.For((rowsOfB + kc - 1) / kc, threads, q =>
                    {
                        int pc = q * kc;
                        GemmPacking.PackB(o.TransB, o.B, o.Ldb, p0 + pc, Math.Min(kc, rowsOfB - pc), 0, n, (float*)bBuf + ((nint)pc * padded));
                    });
                    var rows = new RowBlocks(m, threads);
                    CpuWorkers.For(threads, threads, _ => Rows(o, rows, p0, rowsOfB, n, padded, kc, (float*)bBuf));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bArray);
        }
    }

    // One thread: row blocks of C, each over the k slices of the shared B block.
    private static void Rows(in GemmOperands op, RowBlocks rows, int p0, int rowsOfB, int n, int padded, int kc, float* bBlock)
    {
        var aArray = ArrayPool<float>.Shared.Rent((TKernel.MC * kc) + 16);
        float* tile = stackalloc float[TKernel.MR * GemmPacking.NR];
        try
        {
            fixed (float* aPinned = aArray)
            {
                float* aBuf = Align64(aPinned);
                while (rows.TryTake(out int i0, out int mb))
                {
                    for (int pc = 0; pc < rowsOfB; pc += kc)
                    {
                        // Later k slices add to what the first one wrote.
                        float beta = p0 + pc == 0 ? op.Beta : 1f;
                        GemmDriver<TKernel>.Block(op, i0, mb, 0, n, p0 + pc, Math.Min(kc, rowsOfB - pc), false, aBuf, bBlock + ((nint)pc * padded), tile, beta);
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
                int size = Math.Clamp(RoundUp((m - start) / (2 * threads), mr), MinPanels * mr, TKernel.MC);
                size = Math.Min(size, m - start);
                if (Interlocked.CompareExchange(ref next, start + size, start) == start)
                {
                    (i0, rows) = (start, size);
                    return true;
                }
            }
        }
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
}
