using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// GEMM for a short C (m ≤ <see cref="MaxM"/>, the LoRA weight gradient dhᵀ·x) on AVX2 + FMA, which is
/// bound by reading B once from memory. All of op(A) is packed once, in groups of four rows interleaved
/// by k. Each thread cuts its columns into stripes of <see cref="StripeWidth"/> and k into blocks of
/// <see cref="KBlock"/> rows; a slice (one block of one stripe) is copied into a small contiguous buffer
/// (B's rows are a power of two apart and alias in the caches, so the kernel never reads B in place),
/// then a 4×24 kernel runs over every row group, summing into accumulators for C. Slices go k block by
/// k block across a group of stripes (each row of B is then read in runs along the row, and the group's
/// accumulators stay in L2); slices a little ahead are prefetched between kernel calls so memory reads
/// overlap the arithmetic. C is written once per stripe, with alpha and beta. A quantised B is widened
/// into that buffer row by row (at m ≤ 32 and k×n of 4096×4096 and 11008×4096, one thread, 1.3–2.2×
/// faster than packing it for <see cref="GemmDriver{TKernel}"/>).
/// </summary>
internal static unsafe class GemmSmallM
{
    /// <summary>Rows of C up to which this path is taken.</summary>
    public const int MaxM = 32;

    private const int MR = 4;
    private const int NR = 24;

    // Measured on dhᵀ·x (m 16 and 32, k 2048, n 4096): flat from 32 to 64 rows and 72 to 96 columns.
    private const int StripeWidth = 96;
    private const int KBlock = 48;

    // Slices prefetched ahead of the one computed.
    private const int PrefetchSlices = 2;

    // Column chunks per thread: CpuWorkers hands them out as threads come free, so a late or
    // preempted worker (2 cores, shared) does not leave the other idle at the end.
    private const int Chunks = 2;

    // Accumulators of a group of stripes: 128 KiB, a quarter of L2.
    private const int AccumulatorFloats = 32 * 1024;

    /// <summary>Whether the path runs here and suits the shape (short m, row-major B, enough n and k).</summary>
    public static bool Suits(bool transB, int m, int n, int k) =>
        Fma.IsSupported && Avx.IsSupported && !transB && m <= MaxM && n >= 2 * NR && k >= 32;

    public static void Run(in GemmOperands op, int m, int n, int threads)
    {
        int groups = (m + MR - 1) / MR;
        int k = op.K;
        var aArray = ArrayPool<float>.Shared.Rent((groups * MR * k) + 16);
        try
        {
            fixed (float* aPinned = aArray)
            {
                float* aPack = GemmSizes.Align64(aPinned);
                PackA(op, m, groups, aPack);
                int share = GemmPartition.Share(n, Math.Max(1, threads) * (threads > 1 ? Chunks : 1), StripeWidth);
                int parts = (n + share - 1) / share;
                if (parts == 1)
                {
                    Columns(op, m, groups, aPack, 0, n);
                }
                else
                {
                    var o = op;
                    nint ap = (nint)aPack;
                    CpuWorkers.For(parts, threads, t =>
                    {
                        int j0 = t * share;
                        Columns(o, m, groups, (float*)ap, j0, Math.Min(share, n - j0));
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(aArray);
        }
    }

    // op(A) as groups of four rows, element (r, p) of group g at g·4k + 4p + r; rows past m are zero.
    private static void PackA(in GemmOperands op, int m, int groups, float* dst)
    {
        int k = op.K;
        for (int g = 0; g < groups; g++)
        {
            float* d = dst + ((nint)g * MR * k);
            if (op.TransA && (g * MR) + MR <= m)
            {
                // Stored transposed, the group's four values at each p are adjacent.
                float* src = op.A + (g * MR);
                for (int p = 0; p < k; p++)
                {
                    Vector128.Store(Vector128.Load(src + (p * op.Lda)), d + (p * MR));
                }
                continue;
            }
            for (int r = 0; r < MR; r++)
            {
                int i = (g * MR) + r;
                for (int p = 0; p < k; p++)
                {
                    d[(p * MR) + r] = i >= m ? 0f : op.TransA ? op.A[((nint)p * op.Lda) + i] : op.A[((nint)i * op.Lda) + p];
                }
            }
        }
    }

    // Columns [j0, j0+nb) of C, slice by slice (see the class summary).
    private static void Columns(in GemmOperands op, int m, int groups, float* aPack, int j0, int nb)
    {
        int w = StripeWidth, kb = Math.Min(KBlock, op.K);
        var geometry = new Geometry(op, j0, nb, groups);
        int ldAcc = geometry.GroupStripes * w;
        var bArray = ArrayPool<float>.Shared.Rent((kb * w) + 16);
        var cArray = ArrayPool<float>.Shared.Rent((groups * MR * ldAcc) + 16);
        try
        {
            fixed (float* bPinned = bArray, cPinned = cArray)
            {
                float* bBuf = GemmSizes.Align64(bPinned);
                float* cBuf = GemmSizes.Align64(cPinned);
                for (int t = 0; t < geometry.Slices; t++)
                {
                    var cur = geometry.Slice(t);
                    CopyB(op, j0 + cur.J0, cur, bBuf, w);
                    var ahead = geometry.Slice(Math.Min(t + PrefetchSlices, geometry.Slices - 1));
                    int aheadRows = t + PrefetchSlices < geometry.Slices ? ahead.Rows : 0;
                    int calls = cur.Panels * groups;
                    int perCall = (aheadRows + calls - 1) / calls, fetched = 0;
                    float* acc = cBuf + cur.Local;
                    float* aBlock = aPack + ((nint)cur.P0 * MR);
                    for (int q = 0; q < cur.Panels; q++)
                    {
                        for (int g = 0; g < groups; g++)
                        {
                            for (int end = Math.Min(aheadRows, fetched + perCall); fetched < end; fetched++)
                            {
                                Prefetch(op, ahead.P0 + fetched, j0 + ahead.J0, ahead.Width);
                            }
                            Kernel(cur.Rows, aBlock + ((nint)g * MR * op.K), bBuf + (q * NR), w, acc + (g * MR * ldAcc) + (q * NR), ldAcc, cur.P0 == 0);
                        }
                    }
                    if (cur.P0 + cur.Rows == op.K)
                    {
                        WriteC(acc, ldAcc, op.C + j0 + cur.J0, op.Ldc, m, cur.Width, op.Alpha, op.Beta);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bArray);
            ArrayPool<float>.Shared.Return(cArray);
        }
    }

    // How a thread's columns are cut: stripes of StripeWidth in groups of GroupStripes; within a group,
    // k block after k block, and within a k block, stripe after stripe.
    private readonly struct Geometry
    {
        public readonly int GroupStripes, Slices;
        private readonly float* b;
        private readonly nint ldb;
        private readonly int k, nb, blocks, stripes;

        public Geometry(in GemmOperands op, int j0, int nb, int groups)
        {
            int kb = Math.Min(KBlock, op.K);
            this.nb = nb;
            k = op.K;
            b = op.B + j0;
            ldb = op.Ldb;
            blocks = (k + kb - 1) / kb;
            stripes = (nb + StripeWidth - 1) / StripeWidth;
            GroupStripes = Math.Clamp(AccumulatorFloats / (groups * MR * StripeWidth), 1, stripes);
            Slices = blocks * stripes;
        }

        public SliceInfo Slice(int t)
        {
            int kb = Math.Min(KBlock, k);
            int group = t / (blocks * GroupStripes), r = t % (blocks * GroupStripes);
            int here = Math.Min(GroupStripes, stripes - (group * GroupStripes));
            int p0 = r / here * kb, local = r % here * StripeWidth;
            int j = (group * GroupStripes * StripeWidth) + local;
            int width = Math.Min(StripeWidth, nb - j);
            return new SliceInfo(p0, Math.Min(kb, k - p0), j, width, (width + NR - 1) / NR, local, b + ((nint)p0 * ldb) + j);
        }
    }

    // Rows [P0, P0+Rows) of B and columns [J0, J0+Width) of the thread's share; Local is the column
    // within the group's accumulators; Src is B[P0, J0] (meaningless for a quantised B, read by its indices).
    private readonly struct SliceInfo(int p0, int rows, int j0, int width, int panels, int local, float* src)
    {
        public readonly int P0 = p0, Rows = rows, J0 = j0, Width = width, Panels = panels, Local = local;
        public readonly float* Src = src;
    }

    // Row p of B from column j on, count columns: its floats, or its quantised storage.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(in GemmOperands op, int p, int j, int count)
    {
        if (op.QuantizedB.IsSet)
        {
            op.QuantizedB.Prefetch(((long)p * op.Ldb) + j, count);
            return;
        }
        float* row = op.B + ((nint)p * op.Ldb) + j;
        for (int c = 0; c < count; c += 16)
        {
            Sse.Prefetch0(row + c);
        }
        Sse.Prefetch0(row + count - 1);
    }

    // The slice's rows of B (columns from j on) to dst (row stride ld), zero-padded to its panels' width;
    // a quantised B is widened row by row.
    private static void CopyB(in GemmOperands op, int j, in SliceInfo slice, float* dst, nint ld)
    {
        if (!op.QuantizedB.IsSet)
        {
            CopyB(slice.Src, op.Ldb, slice.Rows, slice.Width, slice.Panels * NR, dst, ld);
            return;
        }
        for (int p = 0; p < slice.Rows; p++, dst += ld)
        {
            op.QuantizedB.Widen(((long)(slice.P0 + p) * op.Ldb) + j, slice.Width, dst);
            new Span<float>(dst + slice.Width, (slice.Panels * NR) - slice.Width).Clear();
        }
    }

    // kb rows of ws floats (row stride ldb) to dst (row stride ld), zero from ws to width.
    private static void CopyB(float* src, nint ldb, int kb, int ws, int width, float* dst, nint ld)
    {
        int full = ws & ~7;
        for (int p = 0; p < kb; p++, src += ldb, dst += ld)
        {
            int j = 0;
            for (; j < full; j += 8)
            {
                Vector256.Store(Vector256.Load(src + j), dst + j);
            }
            for (; j < ws; j++)
            {
                dst[j] = src[j];
            }
            for (; j < width; j++)
            {
                dst[j] = 0f;
            }
        }
    }

    // C[i, j] = alpha · acc[i, j] + beta · C[i, j] for the valid m×ws part; beta = 0 never reads C.
    private static void WriteC(float* acc, nint ldAcc, float* c, nint ldc, int m, int ws, float alpha, float beta)
    {
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        int full = ws & ~7;
        for (int i = 0; i < m; i++, acc += ldAcc, c += ldc)
        {
            int j = 0;
            if (beta == 0f)
            {
                for (; j < full; j += 8)
                {
                    Vector256.Store(Vector256.Load(acc + j) * va, c + j);
                }
                for (; j < ws; j++)
                {
                    c[j] = alpha * acc[j];
                }
            }
            else
            {
                for (; j < full; j += 8)
                {
                    Vector256.Store(Fma.MultiplyAdd(Vector256.Load(acc + j), va, Vector256.Load(c + j) * vb), c + j);
                }
                for (; j < ws; j++)
                {
                    c[j] = (alpha * acc[j]) + (beta * c[j]);
                }
            }
        }
    }

    // acc (4×24, row stride ldAcc) += (or = when first) Σ_p A[r, p]·B[p, j]; A at a[4p + r], B at b[p·ldb + j].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(int kb, float* a, float* b, nint ldb, float* acc, nint ldAcc, bool first)
    {
        Vector256<float> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        if (first)
        {
            c00 = c01 = c02 = c10 = c11 = c12 = c20 = c21 = c22 = c30 = c31 = c32 = Vector256<float>.Zero;
        }
        else
        {
            c00 = Vector256.Load(acc);
            c01 = Vector256.Load(acc + 8);
            c02 = Vector256.Load(acc + 16);
            c10 = Vector256.Load(acc + ldAcc);
            c11 = Vector256.Load(acc + ldAcc + 8);
            c12 = Vector256.Load(acc + ldAcc + 16);
            c20 = Vector256.Load(acc + (2 * ldAcc));
            c21 = Vector256.Load(acc + (2 * ldAcc) + 8);
            c22 = Vector256.Load(acc + (2 * ldAcc) + 16);
            c30 = Vector256.Load(acc + (3 * ldAcc));
            c31 = Vector256.Load(acc + (3 * ldAcc) + 8);
            c32 = Vector256.Load(acc + (3 * ldAcc) + 16);
        }
        int p = 0;
        for (; p + 1 < kb; p += 2)
        {
            Step(a, b, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Step(a + MR, b + ldb, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            a += 2 * MR;
            b += 2 * ldb;
        }
        if (p < kb)
        {
            Step(a, b, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
        }
        Vector256.Store(c00, acc);
        Vector256.Store(c01, acc + 8);
        Vector256.Store(c02, acc + 16);
        Vector256.Store(c10, acc + ldAcc);
        Vector256.Store(c11, acc + ldAcc + 8);
        Vector256.Store(c12, acc + ldAcc + 16);
        Vector256.Store(c20, acc + (2 * ldAcc));
        Vector256.Store(c21, acc + (2 * ldAcc) + 8);
        Vector256.Store(c22, acc + (2 * ldAcc) + 16);
        Vector256.Store(c30, acc + (3 * ldAcc));
        Vector256.Store(c31, acc + (3 * ldAcc) + 8);
        Vector256.Store(c32, acc + (3 * ldAcc) + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(float* a, float* b,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c02, ref Vector256<float> c10, ref Vector256<float> c11, ref Vector256<float> c12,
        ref Vector256<float> c20, ref Vector256<float> c21, ref Vector256<float> c22, ref Vector256<float> c30, ref Vector256<float> c31, ref Vector256<float> c32)
    {
        var b0 = Vector256.Load(b);
        var b1 = Vector256.Load(b + 8);
        var b2 = Vector256.Load(b + 16);
        var x = Vector256.Create(a[0]);
        c00 = Fma.MultiplyAdd(x, b0, c00);
        c01 = Fma.MultiplyAdd(x, b1, c01);
        c02 = Fma.MultiplyAdd(x, b2, c02);
        x = Vector256.Create(a[1]);
        c10 = Fma.MultiplyAdd(x, b0, c10);
        c11 = Fma.MultiplyAdd(x, b1, c11);
        c12 = Fma.MultiplyAdd(x, b2, c12);
        x = Vector256.Create(a[2]);
        c20 = Fma.MultiplyAdd(x, b0, c20);
        c21 = Fma.MultiplyAdd(x, b1, c21);
        c22 = Fma.MultiplyAdd(x, b2, c22);
        x = Vector256.Create(a[3]);
        c30 = Fma.MultiplyAdd(x, b0, c30);
        c31 = Fma.MultiplyAdd(x, b1, c31);
        c32 = Fma.MultiplyAdd(x, b2, c32);
    }
}
