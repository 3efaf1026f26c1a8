using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// 16×16 micro-kernel on 512-bit vectors (AVX-512): 16 accumulators of one row each, one B vector
/// and a broadcast of A per row. 16 matches LoRA's ranks, so n = 16 or m = 16 wastes no lane.
/// </summary>
internal readonly struct GemmKernel512 : IGemmKernel
{
    public static int MR => 16;

    public static int NR => 16;

    public static int MC => 128;

    public static int KC => 256;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> MulAdd(Vector512<float> x, Vector512<float> y, Vector512<float> acc) =>
        Vector512.FusedMultiplyAdd(x, y, acc);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Run(int kc, float* a, nint rsA, nint csA, float* b, float* c, nint ldc, float alpha, float beta, float* next, int nextLines)
    {
        GemmKernel256.PrefetchTile(c, ldc, 16);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        // Four bases (rows 0, 4, 8, 12) and three offsets address all 16 rows without spilling.
        float* a0 = a, a4 = a + (4 * rsA), a8 = a + (8 * rsA), a12 = a + (12 * rsA);
        nint r2 = 2 * rsA, r3 = 3 * rsA;
        for (int p = 0; p < kc; p++)
        {
            if ((p & 3) == 0)
            {
                GemmKernel256.PrefetchNext(ref next, ref nextLines);
            }
            var b0 = Vector512.Load(b);
            c0 = MulAdd(Vector512.Create(a0[0]), b0, c0);
            c1 = MulAdd(Vector512.Create(a0[rsA]), b0, c1);
            c2 = MulAdd(Vector512.Create(a0[r2]), b0, c2);
            c3 = MulAdd(Vector512.Create(a0[r3]), b0, c3);
            c4 = MulAdd(Vector512.Create(a4[0]), b0, c4);
            c5 = MulAdd(Vector512.Create(a4[rsA]), b0, c5);
            c6 = MulAdd(Vector512.Create(a4[r2]), b0, c6);
            c7 = MulAdd(Vector512.Create(a4[r3]), b0, c7);
            c8 = MulAdd(Vector512.Create(a8[0]), b0, c8);
            c9 = MulAdd(Vector512.Create(a8[rsA]), b0, c9);
            c10 = MulAdd(Vector512.Create(a8[r2]), b0, c10);
            c11 = MulAdd(Vector512.Create(a8[r3]), b0, c11);
            c12 = MulAdd(Vector512.Create(a12[0]), b0, c12);
            c13 = MulAdd(Vector512.Create(a12[rsA]), b0, c13);
            c14 = MulAdd(Vector512.Create(a12[r2]), b0, c14);
            c15 = MulAdd(Vector512.Create(a12[r3]), b0, c15);
            a0 += csA;
            a4 += csA;
            a8 += csA;
            a12 += csA;
            b += 16;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0 * va, c + (0 * ldc));
            Vector512.Store(c1 * va, c + (1 * ldc));
            Vector512.Store(c2 * va, c + (2 * ldc));
            Vector512.Store(c3 * va, c + (3 * ldc));
            Vector512.Store(c4 * va, c + (4 * ldc));
            Vector512.Store(c5 * va, c + (5 * ldc));
            Vector512.Store(c6 * va, c + (6 * ldc));
            Vector512.Store(c7 * va, c + (7 * ldc));
            Vector512.Store(c8 * va, c + (8 * ldc));
            Vector512.Store(c9 * va, c + (9 * ldc));
            Vector512.Store(c10 * va, c + (10 * ldc));
            Vector512.Store(c11 * va, c + (11 * ldc));
            Vector512.Store(c12 * va, c + (12 * ldc));
            Vector512.Store(c13 * va, c + (13 * ldc));
            Vector512.Store(c14 * va, c + (14 * ldc));
            Vector512.Store(c15 * va, c + (15 * ldc));
        }
        else
        {
            var vb = Vector512.Create(beta);
            Vector512.Store(MulAdd(c0, va, Vector512.Load(c + (0 * ldc)) * vb), c + (0 * ldc));
            Vector512.Store(MulAdd(c1, va, Vector512.Load(c + (1 * ldc)) * vb), c + (1 * ldc));
            Vector512.Store(MulAdd(c2, va, Vector512.Load(c + (2 * ldc)) * vb), c + (2 * ldc));
            Vector512.Store(MulAdd(c3, va, Vector512.Load(c + (3 * ldc)) * vb), c + (3 * ldc));
            Vector512.Store(MulAdd(c4, va, Vector512.Load(c + (4 * ldc)) * vb), c + (4 * ldc));
            Vector512.Store(MulAdd(c5, va, Vector512.Load(c + (5 * ldc)) * vb), c + (5 * ldc));
            Vector512.Store(MulAdd(c6, va, Vector512.Load(c + (6 * ldc)) * vb), c + (6 * ldc));
            Vector512.Store(MulAdd(c7, va, Vector512.Load(c + (7 * ldc)) * vb), c + (7 * ldc));
            Vector512.Store(MulAdd(c8, va, Vector512.Load(c + (8 * ldc)) * vb), c + (8 * ldc));
            Vector512.Store(MulAdd(c9, va, Vector512.Load(c + (9 * ldc)) * vb), c + (9 * ldc));
            Vector512.Store(MulAdd(c10, va, Vector512.Load(c + (10 * ldc)) * vb), c + (10 * ldc));
            Vector512.Store(MulAdd(c11, va, Vector512.Load(c + (11 * ldc)) * vb), c + (11 * ldc));
            Vector512.Store(MulAdd(c12, va, Vector512.Load(c + (12 * ldc)) * vb), c + (12 * ldc));
            Vector512.Store(MulAdd(c13, va, Vector512.Load(c + (13 * ldc)) * vb), c + (13 * ldc));
            Vector512.Store(MulAdd(c14, va, Vector512.Load(c + (14 * ldc)) * vb), c + (14 * ldc));
            Vector512.Store(MulAdd(c15, va, Vector512.Load(c + (15 * ldc)) * vb), c + (15 * ldc));
        }
    }
}
