namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Cache blocking for one thread's share of a GEMM (sizes in elements).</summary>
/// <param name="Mc">Rows of a packed A block (a multiple of MR).</param>
/// <param name="Kc">Depth of a packed slice.</param>
/// <param name="Nc">Columns of a packed B block (a multiple of NR unless it is all of n).</param>
/// <param name="DirectA">Whether full A panels are read in place instead of packed.</param>
internal readonly record struct GemmBlocking(int Mc, int Kc, int Nc, bool DirectA)
{
    // Floats that fit comfortably in L2 (half of a 512 KiB L2) and in a share of L3.
    private const int L2Floats = 64 * 1024;
    private const int L3Floats = 1024 * 1024;

    // Rows up to which C counts as short (dhᵀ·x) and B is streamed once in shallow slices.
    private const int SmallM = 96;

    public static GemmBlocking For<TKernel>(int m, int n, int k, bool transA)
        where TKernel : struct, IGemmKernel
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int nPadded = GemmSizes.RoundUp(n, nr);
        int mc = TKernel.MC, kc = TKernel.KC;
        bool directA = k <= 32;
        if (n <= 32)
        {
            // Skinny n (x·Aᵀ, dyᵀ·h): B is a thin k×n slab; A is streamed once and nothing reuses it.
            if (!transA)
            {
                // Rows of A are contiguous in k: read them in place in long runs, deep k slices.
                directA = true;
                kc = L2Floats / nPadded;
            }
            else
            {
                // Rows of the storage run along m: pack wide, shallow blocks so each row is a long run.
                kc = 64;
                mc = GemmSizes.RoundUp(Math.Min(m, L2Floats / kc), mr);
            }
        }
        else if (m <= SmallM)
        {
            // Small m (dhᵀ·x): B is streamed once; shallow slices keep its packed block small
            // (measured faster than 256 here).
            kc = 64;
        }
        kc = Math.Min(kc, Math.Max(k, 1));
        // The B block lives in L3 while A blocks come and go; wide blocks also read B's rows in long runs.
        int nc = Math.Min(nPadded, Math.Max(nr, L3Floats / kc / nr * nr));
        return new GemmBlocking(mc, kc, nc, directA);
    }
}
