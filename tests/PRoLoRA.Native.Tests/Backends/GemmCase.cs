using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>
/// One random GEMM problem laid out with an offset and padded leading dimensions, its
/// double-precision reference, and a check of a result against it (padding must stay untouched).
/// </summary>
internal sealed class GemmCase
{
    public GemmCase(bool transA, bool transB, int m, int n, int k, int seed, float alpha = 1f, float beta = 0f, int offset = 0, int pad = 0)
    {
        (TransA, TransB, M, N, K, Alpha, Beta, Offset) = (transA, transB, m, n, k, alpha, beta, offset);
        var rng = new Random(seed);
        // Stored A is M×K, or K×M when transposed; likewise B.
        Lda = (transA ? m : k) + pad;
        Ldb = (transB ? k : n) + pad;
        Ldc = n + pad;
        A = Fill(rng, offset + ((transA ? k : m) * Lda));
        B = Fill(rng, offset + ((transB ? n : k) * Ldb));
        C0 = Fill(rng, offset + (m * Ldc));
        if (beta == 0f)
        {
            Array.Fill(C0, float.NaN);
        }
    }

    public bool TransA { get; }

    public bool TransB { get; }

    public int M { get; }

    public int N { get; }

    public int K { get; }

    public float Alpha { get; }

    public float Beta { get; }

    public int Offset { get; }

    public int Lda { get; }

    public int Ldb { get; }

    public int Ldc { get; }

    public float[] A { get; }

    public float[] B { get; }

    public float[] C0 { get; }

    public float[] Run256(int threads) => Run<GemmKernel256>(threads);

    public float[] Run512(int threads) => Run<GemmKernel512>(threads);

    public float[] Run512x32(int threads) => Run<GemmKernel512x32>(threads);

    private float[] Run<TKernel>(int threads)
        where TKernel : struct, IGemmKernel
    {
        var c = (float[])C0.Clone();
        CpuGemm.Multiply<TKernel>(M, N, K, Alpha, new GemmMatrix(A, Offset, Lda, TransA), new GemmMatrix(B, Offset, Ldb, TransB), Beta, new GemmMatrix(c, Offset, Ldc), threads);
        return c;
    }

    /// <summary>Runs the shared-B driver directly, with a packed-B budget small enough to force several column blocks.</summary>
    public unsafe float[] RunSharedB(int threads, int budgetFloats) => RunSharedB<GemmKernel256>(threads, budgetFloats);

    /// <summary>The same with a chosen micro-kernel.</summary>
    public unsafe float[] RunSharedB<TKernel>(int threads, int budgetFloats)
        where TKernel : struct, IGemmKernel
    {
        var c = (float[])C0.Clone();
        fixed (float* pa = A, pb = B, pc = c)
        {
            var op = new GemmOperands(TransA, pa + Offset, Lda, TransB, pb + Offset, Ldb, pc + Offset, Ldc, K, Alpha, Beta);
            GemmSharedB<TKernel>.Run(op, M, N, threads, budgetFloats);
        }
        return c;
    }

    private float OpA(int i, int p) => TransA ? A[Offset + (p * Lda) + i] : A[Offset + (i * Lda) + p];

    private float OpB(int p, int j) => TransB ? B[Offset + (j * Ldb) + p] : B[Offset + (p * Ldb) + j];

    /// <summary>Asserts every element within float32 rounding of the reference, relative to its magnitude.</summary>
    public void Check(float[] c, string what)
    {
        string shape = $"{what}: transA {TransA} transB {TransB} m {M} n {N} k {K}";
        for (int idx = 0; idx < c.Length; idx++)
        {
            int rel = idx - Offset;
            bool inside = rel >= 0 && rel / Ldc < M && rel % Ldc < N;
            if (!inside)
            {
                Assert.That(c[idx], Is.EqualTo(C0[idx]), $"{shape}: element {idx} outside C changed");
            }
        }
        for (int i = 0; i < M; i++)
        {
            for (int j = 0; j < N; j++)
            {
                double sum = 0, mag = 0;
                for (int p = 0; p < K; p++)
                {
                    double prod = (double)OpA(i, p) * OpB(p, j);
                    sum += prod;
                    mag += Math.Abs(prod);
                }
                double c0 = Beta == 0f ? 0 : C0[Offset + (i * Ldc) + j];
                double expected = (Alpha * sum) + (Beta * c0);
                double tolerance = 1e-6 * (K + 4) * ((Math.Abs(Alpha) * mag) + Math.Abs(Beta * c0) + 1e-3);
                float got = c[Offset + (i * Ldc) + j];
                if (!(Math.Abs(got - expected) <= tolerance))
                {
                    Assert.Fail($"{shape}: c[{i}, {j}] = {got}, expected {expected} (tolerance {tolerance:g3})");
                }
            }
        }
    }

    private static float[] Fill(Random rng, int count)
    {
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2) - 1);
        }
        return data;
    }
}
