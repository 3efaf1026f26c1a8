namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// <see cref="GemmPacking.PackB(bool, float*, nint, int, int, int, int, float*, int)"/> for a quantised B:
/// a few rows of the stored matrix at a time are widened into a small scratch (it stays in L1) and
/// packed from there by the float32 routines, so the panels hold exactly the dequantised values and
/// nothing widens the whole matrix.
/// </summary>
internal static unsafe class GemmQuantizedPacking
{
    // Elements of a stored row widened at a time (a multiple of 32, 16 and 8); the scratch's rows are
    // one cache line longer so that they do not all fall in the same L1 sets.
    private const int Chunk = 256;
    private const int ScratchLd = Chunk + 16;

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into ceil(nc/nr) panels of kc×nr at dst (nr 16 or 32);
    /// op(B)[p, j] is flat element p·ld + j of the stored matrix, or j·ld + p when transposed.
    /// </summary>
    public static void PackB(in GemmQuantizedB b, bool transB, nint ld, int p0, int kc, int j0, int nc, float* dst, int nr)
    {
        float* scratch = stackalloc float[nr * ScratchLd];
        if (transB)
        {
            // Each panel is nr stored rows: widen a chunk of each, then transpose it into the panel.
            for (int jp = 0; jp < nc; jp += nr)
            {
                int rows = Math.Min(nr, nc - jp);
                float* panel = dst + ((nint)jp * kc);
                for (int q = 0; q < kc; q += Chunk)
                {
                    int len = Math.Min(Chunk, kc - q);
                    for (int r = 0; r < rows; r++)
                    {
                        b.Widen(((long)(j0 + jp + r) * ld) + p0 + q, len, scratch + (r * ScratchLd));
                    }
                    GemmPacking.PackBTransposed(scratch, ScratchLd, len, rows, panel + (q * nr), nr);
                }
            }
            return;
        }
        // Groups of eight stored rows as the float32 routine packs them, a chunk of columns at a time.
        for (int pg = 0; pg < kc; pg += GemmPacking.RowGroup)
        {
            int rows = Math.Min(GemmPacking.RowGroup, kc - pg);
            for (int jc = 0; jc < nc; jc += Chunk)
            {
                int len = Math.Min(Chunk, nc - jc);
                for (int r = 0; r < rows; r++)
                {
                    b.Widen(((long)(p0 + pg + r) * ld) + j0 + jc, len, scratch + (r * ScratchLd));
                }
                GemmPacking.PackRowGroup(scratch, ScratchLd, rows, len, kc, dst + ((nint)jc * kc) + (pg * nr), nr);
            }
        }
    }
}
