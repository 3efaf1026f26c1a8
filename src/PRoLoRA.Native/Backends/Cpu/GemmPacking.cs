using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream: A in panels of MR rows
/// (element (i, p) of a panel at i + p·MR), B in panels of NR = 16 columns (element (p, j) at j + p·16).
/// Panels are zero-padded past the matrix edge, so the kernels always compute full tiles.
/// Every routine reads the stored matrix row after row: long contiguous runs are what the hardware
/// prefetchers stream well from memory (a panel at a time would read a few bytes from each of kc rows).
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>The width of every B panel (both kernels use 16).</summary>
    public const int NR = 16;

    /// <summary>Rows of row-major B packed together.</summary>
    internal const int RowGroup = 8;

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) into ceil(nc/16) panels of kc×16 at dst.
    /// op(B)[p, j] is b[p·ldb + j], or b[j·ldb + p] when transposed.
    /// </summary>
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int nc, float* dst)
    {
        if (transB)
        {
            for (int jp = 0; jp < nc; jp += NR)
            {
                PackBTransposed(b + ((nint)(j0 + jp) * ldb) + p0, ldb, kc, Math.Min(NR, nc - jp), dst + ((nint)jp * kc));
            }
            return;
        }
        // Eight rows at a time: reads stay eight long runs, and writes fill 512 contiguous bytes of a
        // panel rather than one line in each of nc/16 panels 16·kc floats apart (same L1 set).
        for (int pg = 0; pg < kc; pg += RowGroup)
        {
            PackRowGroup(b + ((nint)(p0 + pg) * ldb) + j0, ldb, Math.Min(RowGroup, kc - pg), nc, kc, dst + (pg * NR));
        }
    }

    /// <summary>
    /// Packs op(B)[p0 .. p0+kc, j0 .. j0+nc) as <see cref="PackB(bool, float*, nint, int, int, int, int, float*)"/>
    /// does, from op's B: float32 in place, or a quantised B widened on the way (<see cref="GemmQuantizedPacking"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void PackB(in GemmOperands op, int p0, int kc, int j0, int nc, float* dst)
    {
        if (op.QuantizedB.IsSet)
        {
            GemmQuantizedPacking.PackB(op.QuantizedB, op.TransB, op.Ldb, p0, kc, j0, nc, dst);
            return;
        }
        PackB(op.TransB, op.B, op.Ldb, p0, kc, j0, nc, dst);
    }

    /// <summary>
    /// Packs rows (at most <see cref="RowGroup"/>) of row-major B from src (row stride ldb), columns
    /// [0, nc), into rows of the panels at dst, the panels kc·16 floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void PackRowGroup(float* src, nint ldb, int rows, int nc, int kc, float* dst)
    {
        int full = nc - (nc % NR);
        float* d = dst;
        for (int jp = 0; jp < full; jp += NR, d += (nint)kc * NR)
        {
            float* s = src + jp;
            for (int r = 0; r < rows; r++, s += ldb)
            {
                Vector256.Store(Vector256.Load(s), d + (r * NR));
                Vector256.Store(Vector256.Load(s + 8), d + (r * NR) + 8);
            }
        }
        if (full < nc)
        {
            for (int r = 0; r < rows; r++)
            {
                CopyPadded(src + (r * ldb) + full, nc - full, d + (r * NR), NR);
            }
        }
    }

    // Column j of the panel is row j of the stored matrix: read it contiguously, write with stride 16.
    internal static void PackBTransposed(float* src, nint ldb, int kc, int nr, float* dst)
    {
        int done = 0;
        if (nr == NR && GemmTranspose.IsSupported)
        {
            done = kc & ~7;
            GemmTranspose.Rows8(src, ldb, done, dst, NR);
            GemmTranspose.Rows8(src + (8 * ldb), ldb, done, dst + 8, NR);
        }
        GemmTranspose.Scalar(src, ldb, nr, done, kc, dst, NR);
        for (int j = nr; j < NR; j++)
        {
            for (int p = 0; p < kc; p++)
            {
                dst[(p * NR) + j] = 0f;
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
            else if (mr % 8 == 0)
            {
                done = kc & ~7;
                for (int r = 0; r < mr; r += 8)
                {
                    GemmTranspose.Rows8(src + (r * lda), lda, done, dst + r, mr);
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
