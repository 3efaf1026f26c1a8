using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream: A in panels of MR rows
/// (element (i, p) of a panel at i + p·MR), B in panels of nr columns, the kernel's NR (16 or 32; element
/// (p, j) at j + p·nr).
/// Panels are zero-padded past the matrix edge, so the kernels always compute full tiles.
/// Every routine reads the stored matrix row after row: long contiguous runs are what the hardware
/// prefetchers stream well from memory (a panel at a time would read a few bytes from each of kc rows).
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Rows of row-major B packed together.</summary>
    internal const int RowGroup = 8;

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into ceil(nc/nr) panels of kc×nr at dst (nr 16 or 32).
    /// op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, float* dst, int nr)
    {
        if (transB)
        {
            for (int jp = 0; jp < nc; jp += nr)
            {
                PackBTransposed(b + ((nint)(j0 + jp) * ldb) + p0, ldb, kc, Math.Min(nr, nc - jp), dst + ((nint)jp * kc), nr);
            }
            return;
        }
        // Eight rows at a time: reads stay eight long runs, and writes fill 8·nr contiguous floats of a
        // panel rather than one line in each of nc/nr panels nr·kc floats apart (same L1 set).
        for (int pg = 0; pg < kc; pg += RowGroup)
        {
            PackRowGroup(b + ((nint)(p0 + pg) * ldb) + j0, ldb, Math.Min(RowGroup, kc - pg), nc, kc, dst + (pg * nr), nr);
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) as <see cref="PackB(bool, float*, nint, int, int, int, int, float*, int)"/>
    /// does, from op's B: float32 in place, or a quantised B widened on the way (<see cref="GemmQuantizedPacking"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackB(in GemmOperands op, int p0, int kc, int j0, int nc, float* dst, int nr)
    {
        if (op.QuantizedB.IsSet)
        {
            GemmQuantizedPacking.PackB(op.QuantizedB, op.TransB, op.Ldb, p0, kc, j0, nc, dst, nr);
            return;
        }
        PackB(op.TransB, op.B, op.Ldb, p0, kc, j0, nc, dst, nr);
    }

    /// <summary>
    /// Packs rows (at most <see cref="RowGroup"/>) of row-major B from src (row stride ldb), columns
    /// [0, nc), into rows of the panels at dst, the panels kc·nr floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PackRowGroup(float* src, nint ldb, int rows, int nc, int kc, float* dst, int nr)
    {
        int full = nc - (nc % nr);
        float* d = dst;
        for (int jp = 0; jp < full; jp += nr, d += (nint)kc * nr)
        {
            float* s = src + jp;
            for (int r = 0; r < rows; r++, s += ldb)
            {
                float* row = d + (r * nr);
                Vector256.Store(Vector256.Load(s), row);
                Vector256.Store(Vector256.Load(s + 8), row + 8);
                if (nr == 32)
                {
                    Vector256.Store(Vector256.Load(s + 16), row + 16);
                    Vector256.Store(Vector256.Load(s + 24), row + 24);
                }
            }
        }
        if (full < nc)
        {
            for (int r = 0; r < rows; r++)
            {
                CopyPadded(src + (r * ldb) + full, nc - full, d + (r * nr), nr);
            }
        }
    }

    // Column j of the panel (width nr) is row j of the stored matrix: read it contiguously, write with
    // stride nr; the panel's last width − cols columns are zero.
    internal static void PackBTransposed(float* src, nint ldb, int kc, int cols, float* dst, int nr)
    {
        int done = 0;
        if (cols == nr && GemmTranspose.IsSupported)
        {
            done = kc & ~7;
            for (int g = 0; g < nr; g += 8)
            {
                GemmTranspose.Rows8(src + (g * ldb), ldb, done, dst + g, nr);
            }
        }
        GemmTranspose.Scalar(src, ldb, cols, done, kc, dst, nr);
        for (int j = cols; j < nr; j++)
        {
            for (int p = 0; p < kc; p++)
            {
                dst[(p * nr) + j] = 0f;
            }
        }
    }

    /// <summary>
    /// Packs op(A)[i0 .. i0+mc, p0 .. p0+kc) into ceil(mc/MR) panels of MR×kc at dst.
    /// op(A)[i, p] is a[i·lda + p], or a[p·lda + i] when transposed.
    /// </summary>
    public static void PackA(bool transA, float* a, nint lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        if (!transA)
        {
            for (int ip = 0; ip < mc; ip += mr)
            {
                PackARows(a + ((nint)(i0 + ip) * lda) + p0, lda, kc, Math.Min(mr, mc - ip), mr, dst + ((nint)ip * kc));
            }
            return;
        }
        // Stored transposed, row p of the storage holds column p of op(A): split it across the panels.
        int full = mc - (mc % mr);
        nint panelStride = (nint)kc * mr;
        for (int p = 0; p < kc; p++)
        {
            float* src = a + ((nint)(p0 + p) * lda) + i0;
            float* d = dst + (p * mr);
            for (int ip = 0; ip < full; ip += mr, d += panelStride)
            {
                CopyPanelRow(src + ip, d, mr);
            }
            if (full < mc)
            {
                CopyPadded(src + full, mc - full, d, mr);
            }
        }
    }

    // Row-major A: read the panel's rows side by side, write with stride mr.
    private static void PackARows(float* src, nint lda, int kc, int rows, int mr, float* dst)
    {
        int done = 0;
        if (rows == mr && GemmTranspose.IsSupported)
        {
            if (mr == 6)
            {
                done = kc & ~3;
                GemmTranspose.Rows6(src, lda, done, dst);
            }
            else if (mr % 4 == 0)
            {
                // Eight rows at a time, then four (a 12-row panel).
                done = kc & ~7;
                int r = 0;
                for (; r + 8 <= mr; r += 8)
                {
                    GemmTranspose.Rows8(src + (r * lda), lda, done, dst + r, mr);
                }
                if (r < mr)
                {
                    GemmTranspose.Rows4(src + (r * lda), lda, done, dst + r, mr);
                }
            }
        }
        GemmTranspose.Scalar(src, lda, rows, done, kc, dst, mr);
        for (int i = rows; i < mr; i++)
        {
            for (int p = 0; p < kc; p++)
            {
                dst[(p * mr) + i] = 0f;
            }
        }
    }

    // Copies the mr floats of one panel row with vector moves for the kernels' panel heights.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPanelRow(float* src, float* dst, int mr)
    {
        if (mr == 6)
        {
            Vector128.Store(Vector128.Load(src), dst);
            *(long*)(dst + 4) = *(long*)(src + 4);
        }
        else if (mr == 12)
        {
            Vector256.Store(Vector256.Load(src), dst);
            Vector128.Store(Vector128.Load(src + 8), dst + 8);
        }
        else if (mr == 16)
        {
            Vector256.Store(Vector256.Load(src), dst);
            Vector256.Store(Vector256.Load(src + 8), dst + 8);
        }
        else
        {
            new ReadOnlySpan<float>(src, mr).CopyTo(new Span<float>(dst, mr));
        }
    }

    // Copies count floats and zero-fills the rest of a panel row of width.
    private static void CopyPadded(float* src, int count, float* dst, int width)
    {
        int i = 0;
        for (; i < count; i++)
        {
            dst[i] = src[i];
        }
        for (; i < width; i++)
        {
            dst[i] = 0f;
        }
    }
}
