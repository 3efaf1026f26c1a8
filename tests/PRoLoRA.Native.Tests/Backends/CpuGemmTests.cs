using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.Backends;

/// <summary>
/// CpuGemm against a double-precision reference: every transpose combination, edge and odd sizes,
/// skinny LoRA shapes, alpha/beta, offsets and padded leading dimensions, every micro-kernel
/// (the 512-bit ones run emulated where AVX-512 is missing) and one or several threads.
/// Sizes leave remainders after every tile (6, 12, 16 rows; 16, 32 columns) and after KC (256).
/// </summary>
public class CpuGemmTests
{
    private static readonly int[] Sizes = [0, 1, 7, 17, 33, 65];

    private static IEnumerable<TestCaseData> AllTransposes()
    {
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                yield return new TestCaseData(ta, tb);
            }
        }
    }

    [TestCaseSource(nameof(AllTransposes))]
    public void EverySizeCombination_MatchesReference(bool transA, bool transB)
    {
        int seed = 1;
        foreach (int m in Sizes)
        {
            foreach (int n in Sizes)
            {
                foreach (int k in Sizes)
                {
                    var g = new GemmCase(transA, transB, m, n, k, seed++);
                    g.Check(g.Run256(threads: 2), "256");
                    g.Check(g.Run512(threads: 1), "512");
                    g.Check(g.Run512x32(threads: 2), "512x32");
                }
            }
        }
    }

    [TestCaseSource(nameof(AllTransposes))]
    public void AlphaBetaOffsetsAndPaddedLeadingDimensions_MatchReference(bool transA, bool transB)
    {
        (float Alpha, float Beta)[] scalars = [(1f, 0f), (1f, 1f), (-0.5f, 2f), (2f, -1f), (0f, 0.5f), (0f, 0f)];
        int seed = 100;
        foreach (var (alpha, beta) in scalars)
        {
            var g = new GemmCase(transA, transB, 23, 37, 41, seed++, alpha, beta, offset: 5, pad: 3);
            g.Check(g.Run256(threads: 2), $"256 alpha {alpha} beta {beta}");
            g.Check(g.Run512(threads: 2), $"512 alpha {alpha} beta {beta}");
            g.Check(g.Run512x32(threads: 2), $"512x32 alpha {alpha} beta {beta}");
        }
    }

    [TestCase(false, false, 300, 16, 600)] // x · W: skinny n, direct A
    [TestCase(false, true, 300, 16, 600)] // x · Aᵀ
    [TestCase(false, true, 300, 520, 16)] // h · Bᵀ: k = r
    [TestCase(false, false, 301, 530, 16)]
    [TestCase(true, false, 16, 530, 300)] // dA = dhᵀ · x
    [TestCase(true, false, 530, 16, 300)] // dB = dyᵀ · h
    [TestCase(true, false, 32, 47, 301)]
    [TestCase(false, false, 16, 100, 333)] // small m: shallow k slices
    [TestCase(false, false, 130, 70, 530)] // several k slices and A blocks
    [TestCase(true, true, 201, 19, 33)]
    public void SkinnyAndBlockedShapes_MatchReference(bool transA, bool transB, int m, int n, int k)
    {
        var g = new GemmCase(transA, transB, m, n, k, m + n + k, alpha: 0.75f, beta: 0f, offset: 3, pad: 2);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            g.Check(g.Run256(threads), $"threads {threads}");
            g.Check(g.Run512x32(threads), $"512x32 threads {threads}");
        }
        var acc = new GemmCase(transA, transB, m, n, k, m + n + k + 1, alpha: 1f, beta: 1f);
        acc.Check(acc.Run256(threads: 2), "beta 1");
        acc.Check(acc.Run512x32(threads: 2), "512x32 beta 1");
    }

    // Large C on several threads takes GemmSharedB: a range of columns per thread, tiles handed out as
    // threads come free, ragged in every direction (601 = 100 panels of 6 and 1 row; 100 = 6 panels of
    // 16 and 4). Three threads on a 2-core machine: the third range is packed and computed by the
    // threads that are done with their own.
    [TestCaseSource(nameof(AllTransposes))]
    public void SharedB_LargeShapes_MatchReference(bool transA, bool transB)
    {
        const int m = 601, n = 100, k = 130;
        Assert.That(GemmSharedB<GemmKernel256>.Suits(m, n, k, 3) && GemmSharedB<GemmKernel512>.Suits(m, n, k, 2) && GemmSharedB<GemmKernel512x32>.Suits(m, n, k, 2), "the shape takes GemmSharedB");
        var g = new GemmCase(transA, transB, m, n, k, 17, alpha: 0.75f, beta: 0f, offset: 3, pad: 2);
        g.Check(g.Run256(threads: 2), "256, two threads");
        g.Check(g.Run256(threads: 3), "256, three threads");
        g.Check(g.Run512(threads: 2), "512, two threads");
        g.Check(g.Run512x32(threads: 2), "512x32, two threads");
        g.Check(g.Run512x32(threads: 3), "512x32, three threads");
        var acc = new GemmCase(transA, transB, m, n, 300, 18, alpha: -0.5f, beta: 2f);
        acc.Check(acc.Run256(threads: 2), "beta 2, two k slices");
        acc.Check(acc.Run512x32(threads: 2), "512x32 beta 2, two k slices");
    }

    [TestCase(false, false)]
    [TestCase(false, true)]
    public void SharedB_SeveralDepthBlocks_MatchReference(bool transA, bool transB)
    {
        // The smallest budget packs one k slice at a time: blocks of 256, 256 and 88 rows of B (384 and
        // 216 for the 12×32 kernel).
        var g = new GemmCase(transA, transB, 90, 100, 600, 19, alpha: 1f, beta: 1f, offset: 1, pad: 1);
        g.Check(g.RunSharedB(threads: 2, budgetFloats: 1), "one slice a block");
        g.Check(g.RunSharedB(threads: 1, budgetFloats: 1), "one slice a block, one thread");
        var zero = new GemmCase(transA, transB, 90, 100, 600, 20, alpha: 0.5f, beta: 0f);
        zero.Check(zero.RunSharedB(threads: 2, budgetFloats: 1), "beta 0 over NaN, one slice a block");
        g.Check(g.RunSharedB<GemmKernel512x32>(threads: 2, budgetFloats: 1), "512x32, one slice a block");
        zero.Check(zero.RunSharedB<GemmKernel512x32>(threads: 2, budgetFloats: 1), "512x32, beta 0 over NaN, one slice a block");
    }

    // Short C (dhᵀ·x and x·W with m ≤ 32) takes GemmSmallM: every m, ragged n (stripes of 96, panels
    // of 24) and ragged k (blocks of 48), one or two threads; n = 1000 spans groups of stripes for m > 16.
    [TestCase(true, 50, 33)]
    [TestCase(true, 97, 100)]
    [TestCase(true, 1000, 49)]
    [TestCase(false, 97, 100)]
    [TestCase(false, 1000, 49)]
    public void ShortC_EveryRowCount_MatchesReference(bool transA, int n, int k)
    {
        for (int m = 1; m <= GemmSmallM.MaxM; m++)
        {
            AssumeSmallMPath(false, m, n, k);
            var g = new GemmCase(transA, false, m, n, k, (m * 31) + n + k, alpha: 1f, beta: 0f, offset: m % 3, pad: m % 4);
            g.Check(g.Run256(threads: 1), $"m {m} one thread");
            g.Check(g.Run256(threads: 2), $"m {m} two threads");
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ShortC_AlphaBetaOffsetsAndNaN_MatchReference(bool transA)
    {
        (float Alpha, float Beta)[] scalars = [(1f, 0f), (1f, 1f), (-0.5f, 2f), (2f, -1f), (0.75f, 0.5f), (0f, 0.5f), (0f, 0f)];
        int seed = 700;
        foreach (var (alpha, beta) in scalars)
        {
            foreach (int m in new[] { 3, 16, 29, 32 })
            {
                AssumeSmallMPath(false, m, 203, 130);
                var g = new GemmCase(transA, false, m, 203, 130, seed++, alpha, beta, offset: 7, pad: 5);
                Assert.That(beta != 0f || g.C0.All(float.IsNaN), "beta = 0 cases start from NaN in C");
                g.Check(g.Run256(threads: 2), $"alpha {alpha} beta {beta}");
                g.Check(g.Run256(threads: 1), $"alpha {alpha} beta {beta} one thread");
            }
        }
    }

    [Test]
    public void ShortC_LoraGradientShape_MatchesReference()
    {
        // dA = dhᵀ·x at r = 16 with a deep k and several groups of stripes.
        AssumeSmallMPath(false, 16, 2100, 300);
        var g = new GemmCase(true, false, 16, 2100, 300, 11, alpha: 1f, beta: 1f);
        g.Check(g.Run256(threads: 2), "dA accumulate");
    }

    private static void AssumeSmallMPath(bool transB, int m, int n, int k)
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported)
        {
            Assert.Ignore("GemmSmallM needs AVX2 + FMA");
        }
        Assert.That(GemmSmallM.Suits(transB, m, n, k), $"m {m} n {n} k {k} takes GemmSmallM");
    }

    [Test]
    public void BetaZero_IgnoresNaNInC()
    {
        var g = new GemmCase(false, false, 13, 21, 9, 7, alpha: 1f, beta: 0f);
        Assert.That(g.C0.All(float.IsNaN), "the case fills C with NaN when beta = 0");
        g.Check(g.Run256(threads: 1), "256");
        g.Check(g.Run512(threads: 1), "512");
        g.Check(g.Run512x32(threads: 1), "512x32");
        var empty = new GemmCase(false, false, 5, 6, 0, 8, alpha: 1f, beta: 0f);
        empty.Check(empty.Run256(threads: 1), "k = 0");
    }

    // One shape of each class KernelFor tells apart: wide n, n ≤ 16, skinny n with op(A) transposed, short C.
    [TestCase(true, false, 70, 90, 110)]
    [TestCase(false, true, 70, 90, 110)]
    [TestCase(false, true, 50, 16, 70)]
    [TestCase(true, false, 60, 32, 40)]
    [TestCase(true, false, 8, 100, 70)]
    public void DefaultEntryPoint_MatchesReference(bool transA, bool transB, int m, int n, int k)
    {
        var g = new GemmCase(transA, transB, m, n, k, 3, alpha: 1.5f, beta: 0.5f, offset: 1, pad: 1);
        var c = (float[])g.C0.Clone();
        CpuGemm.Multiply(g.M, g.N, g.K, g.Alpha, new GemmMatrix(g.A, g.Offset, g.Lda, g.TransA), new GemmMatrix(g.B, g.Offset, g.Ldb, g.TransB), g.Beta, new GemmMatrix(c, g.Offset, g.Ldc));
        g.Check(c, $"default kernel ({CpuGemm.KernelFor(transB, m, n, k)})");
    }

    [Test]
    public void KernelFor_ChoosesAvx512KernelsOnlyWhereAvx512Runs()
    {
        var baseProduct = CpuGemm.KernelFor(true, 2048, 4096, 4096);
        var narrow = CpuGemm.KernelFor(true, 2048, 16, 4096);
        var transposedSkinny = CpuGemm.KernelFor(false, 4096, 32, 2048);
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.That(new[] { baseProduct, narrow, transposedSkinny }, Is.All.EqualTo(GemmKernelKind.Avx2));
            return;
        }
        Assert.That(baseProduct, Is.EqualTo(GemmKernelKind.Avx512x32), "y = x·Wᵀ");
        Assert.That(CpuGemm.KernelFor(true, 2048, 4096, 16), Is.EqualTo(GemmKernelKind.Avx512x32), "h·Bᵀ");
        Assert.That(narrow, Is.EqualTo(GemmKernelKind.Avx512), "x·Aᵀ at r = 16");
        Assert.That(transposedSkinny, Is.EqualTo(GemmKernelKind.Avx512x32), "dyᵀ·h");
        Assert.That(CpuGemm.KernelFor(false, 16, 4096, 2048), Is.EqualTo(GemmKernelKind.Avx2), "dhᵀ·x takes GemmSmallM");
    }

    [Test]
    public void TensorGemm_WithTransposedViews_MatchesReference()
    {
        var cpu = CpuBackend.Instance;
        var rng = new Random(5);
        float[] RandomArray(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
        // dA-style: a is stored 40×19 and used transposed; b is 40×23; c = 0.5·aᵀb + 2·c.
        var aData = RandomArray(40 * 19);
        var bData = RandomArray(40 * 23);
        var cData = RandomArray(19 * 23);
        using var a = cpu.FromArray(aData, new(40, 19));
        using var b = cpu.FromArray(bData, new(40, 23));
        using var c = cpu.FromArray(cData, new(19, 23));
        cpu.Gemm(a.T, b, c, alpha: 0.5f, beta: 2f);
        var got = c.ToArray();
        for (int i = 0; i < 19; i++)
        {
            for (int j = 0; j < 23; j++)
            {
                double sum = 0, mag = 0;
                for (int p = 0; p < 40; p++)
                {
                    sum += (double)aData[(p * 19) + i] * bData[(p * 23) + j];
                    mag += Math.Abs((double)aData[(p * 19) + i] * bData[(p * 23) + j]);
                }
                double expected = (0.5 * sum) + (2.0 * cData[(i * 23) + j]);
                Assert.That(got[(i * 23) + j], Is.EqualTo(expected).Within(1e-5 * (mag + 2 + Math.Abs(expected))), $"c[{i}, {j}]");
            }
        }
        // x · Wᵀ-style: b stored 23×40 used transposed.
        using var w = cpu.FromArray(RandomArray(23 * 40), new(23, 40));
        using var x = cpu.FromArray(RandomArray(19 * 40), new(19, 40));
        using var y = cpu.Zeros(new(19, 23));
        cpu.Gemm(x, w.T, y);
        var xs = x.ToArray();
        var ws = w.ToArray();
        var ys = y.ToArray();
        for (int i = 0; i < 19; i++)
        {
            for (int j = 0; j < 23; j++)
            {
                double sum = 0;
                for (int p = 0; p < 40; p++)
                {
                    sum += (double)xs[(i * 40) + p] * ws[(j * 40) + p];
                }
                Assert.That(ys[(i * 23) + j], Is.EqualTo(sum).Within(1e-4), $"y[{i}, {j}]");
            }
        }
    }
}
