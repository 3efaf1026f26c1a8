using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream: A in panels of MR rows
/// (element (i, p) of a panel at i + p·MR), B in panels of NR = 16 columns (element (p, j) at j + p·16).
/// Panels are zero-padded past the matrix edge, so the kernels always compute full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>The width of every B panel (both kernels use 16).</summary>
    public const int NR = 16;

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into ceil(nc/16) panels of kc×16 at dst.
    /// op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, float* dst)
    {
        for (int jp = 0; jp < nc; jp += NR)
        {
            int nr = Math.Min(NR, nc - jp);
            float* panel = dst + ((nint)jp * kc);
            if (transB)
            {
                PackBTransposed(b + ((nint)(j0 + jp) * ldb) + p0, ldb, kc, nr, panel);
            }
            else
            {
                PackBRows(b + ((nint)p0 * ldb) + j0 + jp, ldb, kc, nr, panel);
            }
        }
    }

    // Rows of B are contiguous in j: each step copies one 16-wide row segment.
    private static void PackBRows(float* src, nint ldb, int kc, int nr, float* dst)
    {
        if (nr == NR)
        {
            for (int p = 0; p < kc; p++, src += ldb, dst += NR)
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + 8), dst + 8);
            }
            return;
        }
        for (int p = 0; p < kc; p++, src += ldb, dst += NR)
        {
            int j = 0;
            for (; j < nr; j++)
            {
                dst[j] = src[j];
            }
            for (; j < NR; j++)
            {
                dst[j] = 0f;
            }
        }
    }

    // Column j of the panel is row j of the stored matrix: read it contiguously, write with stride 16.
    private static void PackBTransposed(float* src, nint ldb, int kc, int nr, float* dst)
    {
        for (int j = 0; j < NR; j++)
        {
            float* row = src + (j * ldb);
            if (j < nr)
            {
                for (int p = 0; p < kc; p++)
                {
                    dst[(p * NR) + j] = row[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    dst[(p * NR) + j] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into ceil(mc/MR) panels of MR×kc at dst.
    /// op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when transposed.
    /// </summary>
    public static void PackA(bool transA, float* a, nint lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ip = 0; ip < mc; ip += mr)
        {
            int rows = Math.Min(mr, mc - ip);
            float* panel = dst + ((nint)ip * kc);
            if (transA)
            {
                PackATransposed(a + ((nint)p0 * lda) + i0 + ip, lda, kc, rows, mr, panel);
            }
            else
            {
                PackARows(a + ((nint)(i0 + ip) * lda) + p0, lda, kc, rows, mr, panel);
            }
        }
    }

    // Stored transposed, a column of op(A) is a contiguous row segment: copy rows.
    private static void PackATransposed(float* src, nint lda, int kc, int rows, int mr, float* dst)
    {
        for (int p = 0; p < kc; p++, src += lda, dst += mr)
        {
            int i = 0;
            for (; i < rows; i++)
            {
                dst[i] = src[i];
            }
            for (; i < mr; i++)
            {
                dst[i] = 0f;
            }
        }
    }

    // Row-major A: read each row contiguously, write with stride mr.
    private static void PackARows(float* src, nint lda, int kc, int rows, int mr, float* dst)
    {
        for (int i = 0; i < mr; i++)
        {
            float* row = src + (i * lda);
            if (i < rows)
            {
                for (int p = 0; p < kc; p++)
                {
                    dst[(p * mr) + i] = row[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    dst[(p * mr) + i] = 0f;
                }
            }
        }
    }
}
