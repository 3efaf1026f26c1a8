using PRoLoRA.Native.Backends.Cpu;
using PRoLoRA.Native.Quantization;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Tests.Quantization;

/// <summary>
/// The CPU GEMM with a quantised B widens B only while packing it, so with the same kernel, blocking
/// and threads it must give, bit for bit, the float32 GEMM on the dequantised matrix: every format
/// (bf16; NF4 with float32 or double-quantised absmax, blocks of 64, 128 and an odd 33), both layouts
/// of B, every micro-kernel (16- and 32-column B panels), one and two threads, and shapes that take every path (small m, the split
/// driver, shared B, skinny n with deep k slices), ragged in n and k, with rows whose NF4 blocks start
/// mid-row and mid-byte.
/// </summary>
public unsafe class QuantizedGemmTests
{
    public static IEnumerable<TestCaseData> Formats()
    {
        yield return new TestCaseData("bf16", 0, false).SetName("Bf16");
        yield return new TestCaseData("nf4", 64, false).SetName("Nf4_Block64");
        yield return new TestCaseData("nf4", 64, true).SetName("Nf4_Block64_DoubleQuant");
        yield return new TestCaseData("nf4", 128, false).SetName("Nf4_Block128");
        yield return new TestCaseData("nf4", 128, true).SetName("Nf4_Block128_DoubleQuant");
        yield return new TestCaseData("nf4", 33, true).SetName("Nf4_Block33_DoubleQuant");
    }

    // (m, n, k): the path each takes is asserted below.
    private static readonly (int M, int N, int K, string Path)[] Shapes =
    [
        (5, 100, 77, "small m"),
        (1, 61, 40, "small m, one row"),
        (70, 45, 131, "split driver"),
        (40, 20, 600, "skinny n, deep k slices"),
        (9, 7, 13, "tiny"),
        (400, 100, 301, "shared B, two k slices"),
    ];

    [TestCaseSource(nameof(Formats))]
    public void Gemm_EqualsFloat32GemmOnDequantisedValues_BitForBit(string format, int blockSize, bool doubleQuant)
    {
        int seed = 1;
        foreach (var (m, n, k, path) in Shapes)
        {
            foreach (bool transB in new[] { false, true })
            {
                var q = Quantize(format, blockSize, doubleQuant, transB ? n : k, transB ? k : n, seed++);
                foreach (int threads in new[] { 1, 2 })
                {
                    string what = $"{path} m {m} n {n} k {k} transB {transB} threads {threads}";
                    Compare<GemmKernel256>(q, transB, m, n, k, threads, seed++, what + " (256)");
                    Compare<GemmKernel512>(q, transB, m, n, k, threads, seed++, what + " (512)");
                    Compare<GemmKernel512x32>(q, transB, m, n, k, threads, seed++, what + " (512x32)");
                }
            }
        }
    }

    [Test]
    public void Shapes_TakeEveryPath()
    {
        Assume.That(System.Runtime.Intrinsics.X86.Fma.IsSupported, "GemmSmallM needs AVX2 + FMA");
        Assert.That(GemmSmallM.Suits(false, 5, 100, 77) && GemmSmallM.Suits(false, 1, 61, 40), "small m");
        Assert.That(GemmSharedB<GemmKernel256>.Suits(400, 100, 301, 2) && GemmSharedB<GemmKernel512>.Suits(400, 100, 301, 2) && GemmSharedB<GemmKernel512x32>.Suits(400, 100, 301, 2), "shared B");
        foreach (var (m, n, k) in new[] { (70, 45, 131), (40, 20, 600) })
        {
            Assert.That(!CpuGemm.RunsOnOneThread(m, n, k) && !GemmSharedB<GemmKernel256>.Suits(m, n, k, 2) && !GemmSharedB<GemmKernel512>.Suits(m, n, k, 2) && !GemmSharedB<GemmKernel512x32>.Suits(m, n, k, 2), $"{m}×{n}×{k} takes the split driver on two threads");
        }
    }

    [TestCase(false, 1f, 1f)]
    [TestCase(true, -0.5f, 2f)]
    [TestCase(true, 0.75f, 0f)]
    public void Gemm_WithTransposedAAlphaBetaAndOffsets_EqualsFloat32Gemm(bool transA, float alpha, float beta)
    {
        var q = Quantize("nf4", 64, true, 90, 70, 3);
        foreach (bool transB in new[] { false, true })
        {
            int k = transB ? 70 : 90, n = transB ? 90 : 70;
            foreach (int m in new[] { 7, 50 })
            {
                Compare<GemmKernel256>(q, transB, m, n, k, 2, m, $"m {m} transB {transB}", transA, alpha, beta);
                Compare<GemmKernel512>(q, transB, m, n, k, 2, m, $"m {m} transB {transB}", transA, alpha, beta);
                Compare<GemmKernel512x32>(q, transB, m, n, k, 2, m, $"m {m} transB {transB} (512x32)", transA, alpha, beta);
            }
        }
    }

    [TestCase(false, 16)]
    [TestCase(true, 16)]
    [TestCase(false, 32)]
    [TestCase(true, 32)]
    public void Packing_EqualsFloat32PackingOfDequantisedValues(bool transB, int nr)
    {
        // 13×301 stored: odd row length, so rows start mid-byte and blocks of 64 straddle rows.
        var q = Quantize("nf4", 64, true, 13, 301, 5);
        var bf = Quantize("bf16", 0, false, 13, 301, 6);
        foreach (var matrix in new[] { q, bf })
        {
            var values = matrix.Dequantize();
            foreach (var (p0, kc, j0, nc) in PackingWindows(transB))
            {
                int panels = (nc + nr - 1) / nr;
                var expected = new float[panels * nr * kc];
                var got = new float[expected.Length];
                got.AsSpan().Fill(float.NaN);
                fixed (float* pv = values, pe = expected, pg = got)
                {
                    GemmPacking.PackB(transB, pv, matrix.Cols, p0, kc, j0, nc, pe, nr);
                    float* dst = pg;
                    WithSource(matrix, source => GemmQuantizedPacking.PackB(source, transB, matrix.Cols, p0, kc, j0, nc, dst, nr));
                }
                Assert.That(got, Is.EqualTo(expected), $"{matrix.DType} p0 {p0} kc {kc} j0 {j0} nc {nc}");
            }
        }
    }

    [Test]
    public void DoubleQuantisedAbsmax_IsComputedPerBlockAsDecompressDoes()
    {
        // More than 256 blocks, so the nested absmax of a later 8-bit block is used too.
        var q = Quantize("nf4", 64, true, 300, 70, 9);
        Assert.That(q.Nf4!.BlockCount, Is.GreaterThan(256));
        var expected = q.Dequantize();
        var got = new float[expected.Length];
        fixed (float* pg = got)
        {
            float* dst = pg;
            WithSource(q, source =>
            {
                // Uneven runs: odd starts, partial blocks, runs spanning several blocks.
                long start = 0;
                for (int len = 1; start < expected.Length; len = (len * 7 % 191) + 1)
                {
                    int count = (int)Math.Min(len, expected.Length - start);
                    source.Widen(start, count, dst + start);
                    start += count;
                }
            });
        }
        Assert.That(got, Is.EqualTo(expected));
    }

    private static IEnumerable<(int P0, int Kc, int J0, int Nc)> PackingWindows(bool transB)
    {
        // Rows of op(B) are the stored columns when transposed (301 of them), else the stored rows (13).
        int depth = transB ? 301 : 13, width = transB ? 13 : 301;
        yield return (0, depth, 0, width);
        yield return (1, depth - 3, 3, width - 4);
        yield return (depth / 2, depth - (depth / 2), width / 3, width - (width / 3));
        yield return (0, 1, 0, 1);
        yield return (2, Math.Min(9, depth - 2), 1, Math.Min(17, width - 1));
    }

    // Runs body with the matrix's arrays pinned as GemmQuantizedB (as CpuGemm pins them).
    private static void WithSource(QuantizedMatrix matrix, Action<GemmQuantizedB> body)
    {
        var nf4 = matrix.Nf4;
        var dq = nf4?.QuantizedAbsmax;
        fixed (ushort* bits = matrix.BFloat16Bits)
        fixed (byte* packed = nf4?.Packed, codes = dq?.Codes)
        fixed (float* absmax = nf4?.Absmax, nested = dq?.NestedAbsmax, map = dq?.Map)
        {
            body(nf4 is null ? GemmQuantizedB.BFloat16(bits)
                : dq is null ? GemmQuantizedB.Nf4(packed, nf4.BlockSize, absmax)
                : GemmQuantizedB.Nf4DoubleQuant(packed, nf4.BlockSize, codes, nested, map, dq.Offset, dq.BlockSize));
        }
    }

    private static void Compare<TKernel>(QuantizedMatrix q, bool transB, int m, int n, int k, int threads, int seed, string what, bool transA = false, float alpha = 1f, float beta = 0f)
        where TKernel : struct, IGemmKernel
    {
        var rng = new Random(seed);
        var a = Random(rng, m * k);
        var c0 = beta == 0f ? Enumerable.Repeat(float.NaN, m * n).ToArray() : Random(rng, m * n);
        var aMatrix = new GemmMatrix(a, 0, transA ? m : k, transA);
        var expected = (float[])c0.Clone();
        CpuGemm.Multiply<TKernel>(m, n, k, alpha, aMatrix, new GemmMatrix(q.Dequantize(), 0, q.Cols, transB), beta, new GemmMatrix(expected, 0, n), threads);
        var got = (float[])c0.Clone();
        CpuGemm.Multiply<TKernel>(m, n, k, alpha, aMatrix, q, transB, beta, new GemmMatrix(got, 0, n), threads);
        Assert.That(expected.Any(x => x != 0f) && expected.All(float.IsFinite), $"{what}: the float32 product is finite and not all zero");
        Assert.That(got, Is.EqualTo(expected), what);
    }

    private static QuantizedMatrix Quantize(string format, int blockSize, bool doubleQuant, int rows, int cols, int seed)
    {
        var rng = new Random(seed);
        // Rows of different magnitudes, so neighbouring blocks have different absmax values.
        var values = new float[rows * cols];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((rng.NextDouble() * 2) - 1) * (1 + (i / cols % 5)));
        }
        return format == "bf16"
            ? QuantizedMatrix.Quantize(values, rows, cols, TensorDType.BFloat16)
            : QuantizedMatrix.FromNf4(Nf4.Quantize(values, blockSize, doubleQuant), rows, cols);
    }

    private static float[] Random(Random rng, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
}
