using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// In-register transposes for packing rows that run along k into panels that run across it
/// (row-major A into MR-row panels, Bᵀ's rows into 16-column panels). A scalar copy of such a block
/// issues about nine instructions per float, which leaves too few cache-line reads in flight to hide
/// the latency of the rows it streams from memory; these issue about one.
/// </summary>
internal static unsafe class GemmTranspose
{
    /// <summary>Whether the vector transposes run here (AVX).</summary>
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>
    /// Writes dst[p·dstStride + r] = rows[r][p] for 8 rows (src + r·ld) and p in [0, count), count a
    /// multiple of 8. Requires <see cref="IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows8(float* src, nint ld, int count, float* dst, nint dstStride)
    {
        for (int p = 0; p < count; p += 8, src += 8, dst += 8 * dstStride)
        {
            float* s = src;
            var r0 = Avx.LoadVector256(s);
            var r1 = Avx.LoadVector256(s += ld);
            var r2 = Avx.LoadVector256(s += ld);
            var r3 = Avx.LoadVector256(s += ld);
            var r4 = Avx.LoadVector256(s += ld);
            var r5 = Avx.LoadVector256(s += ld);
            var r6 = Avx.LoadVector256(s += ld);
            var r7 = Avx.LoadVector256(s + ld);
            // Pairs of rows interleaved, then quads, then the 128-bit halves swapped into columns.
            var t0 = Avx.UnpackLow(r0, r1);
            var t1 = Avx.UnpackHigh(r0, r1);
            var t2 = Avx.UnpackLow(r2, r3);
            var t3 = Avx.UnpackHigh(r2, r3);
            var t4 = Avx.UnpackLow(r4, r5);
            var t5 = Avx.UnpackHigh(r4, r5);
            var t6 = Avx.UnpackLow(r6, r7);
            var t7 = Avx.UnpackHigh(r6, r7);
            var q0 = Avx.Shuffle(t0, t2, 0x44);
            var q1 = Avx.Shuffle(t0, t2, 0xEE);
            var q2 = Avx.Shuffle(t1, t3, 0x44);
            var q3 = Avx.Shuffle(t1, t3, 0xEE);
            var q4 = Avx.Shuffle(t4, t6, 0x44);
            var q5 = Avx.Shuffle(t4, t6, 0xEE);
            var q6 = Avx.Shuffle(t5, t7, 0x44);
            var q7 = Avx.Shuffle(t5, t7, 0xEE);
            Avx.Store(dst, Avx.Permute2x128(q0, q4, 0x20));
            Avx.Store(dst + dstStride, Avx.Permute2x128(q1, q5, 0x20));
            Avx.Store(dst + (2 * dstStride), Avx.Permute2x128(q2, q6, 0x20));
            Avx.Store(dst + (3 * dstStride), Avx.Permute2x128(q3, q7, 0x20));
            Avx.Store(dst + (4 * dstStride), Avx.Permute2x128(q0, q4, 0x31));
            Avx.Store(dst + (5 * dstStride), Avx.Permute2x128(q1, q5, 0x31));
            Avx.Store(dst + (6 * dstStride), Avx.Permute2x128(q2, q6, 0x31));
            Avx.Store(dst + (7 * dstStride), Avx.Permute2x128(q3, q7, 0x31));
        }
    }

    /// <summary>
    /// Writes dst[p·6 + r] = rows[r][p] for 6 rows (src + r·ld) and p in [0, count), count a multiple
    /// of 4: the 6-row panel of the AVX2 kernel. Requires <see cref="IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows6(float* src, nint ld, int count, float* dst)
    {
        for (int p = 0; p < count; p += 4, src += 4, dst += 24)
        {
            float* s = src;
            var r0 = Sse.LoadVector128(s);
            var r1 = Sse.LoadVector128(s += ld);
            var r2 = Sse.LoadVector128(s += ld);
            var r3 = Sse.LoadVector128(s += ld);
            var r4 = Sse.LoadVector128(s += ld);
            var r5 = Sse.LoadVector128(s + ld);
            var t0 = Sse.UnpackLow(r0, r1);
            var t1 = Sse.UnpackHigh(r0, r1);
            var t2 = Sse.UnpackLow(r2, r3);
            var t3 = Sse.UnpackHigh(r2, r3);
            var u0 = Sse.UnpackLow(r4, r5);
            var u1 = Sse.UnpackHigh(r4, r5);
            // Column p: rows 0-3 from the quads, rows 4-5 from one half of the (r4, r5) pairs.
            Sse.Store(dst, Sse.MoveLowToHigh(t0, t2));
            Sse.StoreLow(dst + 4, u0);
            Sse.Store(dst + 6, Sse.MoveHighToLow(t2, t0));
            Sse.StoreHigh(dst + 10, u0);
            Sse.Store(dst + 12, Sse.MoveLowToHigh(t1, t3));
            Sse.StoreLow(dst + 16, u1);
            Sse.Store(dst + 18, Sse.MoveHighToLow(t3, t1));
            Sse.StoreHigh(dst + 22, u1);
        }
    }

    /// <summary>
    /// Writes dst[p·dstStride + r] = rows[r][p] for 4 rows (src + r·ld) and p in [0, count), count a
    /// multiple of 4: the last rows of a 12-row panel. Requires <see cref="IsSupported"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows4(float* src, nint ld, int count, float* dst, nint dstStride)
    {
        for (int p = 0; p < count; p += 4, src += 4, dst += 4 * dstStride)
        {
            var r0 = Sse.LoadVector128(src);
            var r1 = Sse.LoadVector128(src + ld);
            var r2 = Sse.LoadVector128(src + (2 * ld));
            var r3 = Sse.LoadVector128(src + (3 * ld));
            var t0 = Sse.UnpackLow(r0, r1);
            var t1 = Sse.UnpackHigh(r0, r1);
            var t2 = Sse.UnpackLow(r2, r3);
            var t3 = Sse.UnpackHigh(r2, r3);
            Sse.Store(dst, Sse.MoveLowToHigh(t0, t2));
            Sse.Store(dst + dstStride, Sse.MoveHighToLow(t2, t0));
            Sse.Store(dst + (2 * dstStride), Sse.MoveLowToHigh(t1, t3));
            Sse.Store(dst + (3 * dstStride), Sse.MoveHighToLow(t3, t1));
        }
    }

    /// <summary>The scalar remainder: dst[p·dstStride + r] = rows[r][p] for r in [0, rows), p in [p0, count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scalar(float* src, nint ld, int rows, int p0, int count, float* dst, nint dstStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = src + (r * ld);
            for (int p = p0; p < count; p++)
            {
                dst[(p * dstStride) + r] = row[p];
            }
        }
    }
}
