using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// 12×32 micro-kernel on 512-bit vectors (AVX-512): each k step loads two B vectors and broadcasts one
/// element of A per row into two multiply-adds, so 24 accumulators take 24 FMAs for 2 loads and 12
/// broadcasts (the 16×16 <see cref="GemmKernel512"/> needs a broadcast per FMA). 24 + 2 + 1 of the 32
/// zmm registers.
/// </summary>
internal readonly struct GemmKernel512x32 : IGemmKernel
{
    public static int MR => 12;

    public static int NR => 32;

    // An A block of 144×384 floats is 216 KiB, well inside a 1 MiB L2 beside B's 48 KiB panel. On the
    // base products (AMD EPYC Zen 5, 2 threads, m 512-2048, best of 10 rounds at real-time priority)
    // KC 384 was 1-10 % faster than KC 256 and level with 512; MC 480 was level with 144. Earlier,
    // KC 128 was 7-13 % slower than 256 and KC 192 up to 8 %.
    public static int MC => 144;

    public static int KC => 384;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, nint rsA, nint csA, float* b, float* c, nint ldc, float alpha, float beta, float* next, int nextLines)
    {
        GemmKernel256.PrefetchTile(c, ldc, 12);
        GemmKernel256.PrefetchTile(c + 16, ldc, 12);
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        if (rsA == 1 && csA == 12)
        {
            // A packed panel: constant offsets from one pointer.
            float* end2 = a + ((kc & ~1) * 12), end = a + (kc * 12);
            for (; a < end2; a += 24, b += 64)
            {
                // Two lines of the next B panel per two k steps: a 32-wide panel has two lines a step.
                GemmKernel256.PrefetchNext(ref next, ref nextLines);
                GemmKernel256.PrefetchNext(ref next, ref nextLines);
                PackedStep(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71, ref c80, ref c81, ref c90, ref c91, ref c100, ref c101, ref c110, ref c111);
                PackedStep(a + 12, b + 32, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71, ref c80, ref c81, ref c90, ref c91, ref c100, ref c101, ref c110, ref c111);
            }
            if (a < end)
            {
                PackedStep(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71, ref c80, ref c81, ref c90, ref c91, ref c100, ref c101, ref c110, ref c111);
            }
        }
        else
        {
            // Rows 0-3, 4-7, 8-11 from three bases and three offsets.
            float* a0 = a, a4 = a + (4 * rsA), a8 = a + (8 * rsA);
            nint r2 = 2 * rsA, r3 = 3 * rsA;
            for (int p = 0; p < kc; p++)
            {
                if ((p & 1) == 0)
                {
                    GemmKernel256.PrefetchNext(ref next, ref nextLines);
                    GemmKernel256.PrefetchNext(ref next, ref nextLines);
                }
                StridedStep(a0, a4, a8, rsA, r2, r3, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71, ref c80, ref c81, ref c90, ref c91, ref c100, ref c101, ref c110, ref c111);
                a0 += csA;
                a4 += csA;
                a8 += csA;
                b += 32;
            }
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Store(c + (0 * ldc), c00, c01, va);
            Store(c + (1 * ldc), c10, c11, va);
            Store(c + (2 * ldc), c20, c21, va);
            Store(c + (3 * ldc), c30, c31, va);
            Store(c + (4 * ldc), c40, c41, va);
            Store(c + (5 * ldc), c50, c51, va);
            Store(c + (6 * ldc), c60, c61, va);
            Store(c + (7 * ldc), c70, c71, va);
            Store(c + (8 * ldc), c80, c81, va);
            Store(c + (9 * ldc), c90, c91, va);
            Store(c + (10 * ldc), c100, c101, va);
            Store(c + (11 * ldc), c110, c111, va);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Store(c + (0 * ldc), c00, c01, va, vb);
            Store(c + (1 * ldc), c10, c11, va, vb);
            Store(c + (2 * ldc), c20, c21, va, vb);
            Store(c + (3 * ldc), c30, c31, va, vb);
            Store(c + (4 * ldc), c40, c41, va, vb);
            Store(c + (5 * ldc), c50, c51, va, vb);
            Store(c + (6 * ldc), c60, c61, va, vb);
            Store(c + (7 * ldc), c70, c71, va, vb);
            Store(c + (8 * ldc), c80, c81, va, vb);
            Store(c + (9 * ldc), c90, c91, va, vb);
            Store(c + (10 * ldc), c100, c101, va, vb);
            Store(c + (11 * ldc), c110, c111, va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PackedStep(float* a, float* b, ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11, ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31, ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51, ref Vector512<float> c60, ref Vector512<float> c61, ref Vector512<float> c70, ref Vector512<float> c71, ref Vector512<float> c80, ref Vector512<float> c81, ref Vector512<float> c90, ref Vector512<float> c91, ref Vector512<float> c100, ref Vector512<float> c101, ref Vector512<float> c110, ref Vector512<float> c111)
    {
        var b0 = Vector512.Load(b);
        var b1 = Vector512.Load(b + 16);
        Row(a[0], b0, b1, ref c00, ref c01);
        Row(a[1], b0, b1, ref c10, ref c11);
        Row(a[2], b0, b1, ref c20, ref c21);
        Row(a[3], b0, b1, ref c30, ref c31);
        Row(a[4], b0, b1, ref c40, ref c41);
        Row(a[5], b0, b1, ref c50, ref c51);
        Row(a[6], b0, b1, ref c60, ref c61);
        Row(a[7], b0, b1, ref c70, ref c71);
        Row(a[8], b0, b1, ref c80, ref c81);
        Row(a[9], b0, b1, ref c90, ref c91);
        Row(a[10], b0, b1, ref c100, ref c101);
        Row(a[11], b0, b1, ref c110, ref c111);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StridedStep(float* a0, float* a4, float* a8, nint rsA, nint r2, nint r3, float* b, ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11, ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31, ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51, ref Vector512<float> c60, ref Vector512<float> c61, ref Vector512<float> c70, ref Vector512<float> c71, ref Vector512<float> c80, ref Vector512<float> c81, ref Vector512<float> c90, ref Vector512<float> c91, ref Vector512<float> c100, ref Vector512<float> c101, ref Vector512<float> c110, ref Vector512<float> c111)
    {
        var b0 = Vector512.Load(b);
        var b1 = Vector512.Load(b + 16);
        Row(a0[0], b0, b1, ref c00, ref c01);
        Row(a0[rsA], b0, b1, ref c10, ref c11);
        Row(a0[r2], b0, b1, ref c20, ref c21);
        Row(a0[r3], b0, b1, ref c30, ref c31);
        Row(a4[0], b0, b1, ref c40, ref c41);
        Row(a4[rsA], b0, b1, ref c50, ref c51);
        Row(a4[r2], b0, b1, ref c60, ref c61);
        Row(a4[r3], b0, b1, ref c70, ref c71);
        Row(a8[0], b0, b1, ref c80, ref c81);
        Row(a8[rsA], b0, b1, ref c90, ref c91);
        Row(a8[r2], b0, b1, ref c100, ref c101);
        Row(a8[r3], b0, b1, ref c110, ref c111);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float x, Vector512<float> b0, Vector512<float> b1, ref Vector512<float> c0, ref Vector512<float> c1)
    {
        var ax = Vector512.Create(x);
        c0 = Vector512.FusedMultiplyAdd(ax, b0, c0);
        c1 = Vector512.FusedMultiplyAdd(ax, b1, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, Vector512<float> c0, Vector512<float> c1, Vector512<float> va)
    {
        Vector512.Store(c0 * va, c);
        Vector512.Store(c1 * va, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* c, Vector512<float> c0, Vector512<float> c1, Vector512<float> va, Vector512<float> vb)
    {
        Vector512.Store(Vector512.FusedMultiplyAdd(c0, va, Vector512.Load(c) * vb), c);
        Vector512.Store(Vector512.FusedMultiplyAdd(c1, va, Vector512.Load(c + 16) * vb), c + 16);
    }
}
