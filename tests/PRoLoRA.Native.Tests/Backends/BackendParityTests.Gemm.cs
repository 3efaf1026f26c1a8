using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>GEMM: transposed and padded operands, m = 1, n = 1, k = 1, beta 0 and 1.</summary>
public abstract partial class BackendParityTests
{
    /// <summary>(M, K, N, A transposed, B transposed, alpha, beta, padded operands).</summary>
    public static IEnumerable<TestCaseData> GemmCases() =>
    [
        new(5, 7, 3, false, false, 1f, 0f, false),
        new(5, 7, 3, true, false, 1f, 0f, false),
        new(5, 7, 3, false, true, 0.5f, 1f, false),
        new(5, 7, 3, true, true, -1.5f, 1f, false),
        new(1, 16, 9, false, false, 1f, 0f, false),
        new(1, 16, 9, true, true, 1f, 1f, false),
        new(9, 16, 1, false, true, 1f, 1f, false),
        new(4, 1, 4, false, false, 2f, 0.5f, false),
        new(33, 64, 17, true, false, 1f, 0f, false),
        new(6, 5, 4, false, false, 1f, 1f, true),
        new(6, 5, 4, false, true, 1f, 0f, true),
    ];

    [TestCaseSource(nameof(GemmCases))]
    public void Gemm_MatchesTheDefinition(int m, int k, int n, bool transA, bool transB, float alpha, float beta, bool padded)
    {
        var (a, aHost) = transA ? TransposedPair(m, k) : padded ? PaddedPair(m, k) : RandomPair(m, k);
        var (b, bHost) = transB ? TransposedPair(k, n) : padded ? PaddedPair(k, n, 1) : RandomPair(k, n);
        var (c, expected) = Pair(beta == 0f ? NaNs(m * n) : Randoms(m * n), m, n);
        Backend.Gemm(a, b, c, alpha, beta);
        CpuBackend.Reference.Gemm(aHost, bHost, expected, m, n, k, alpha, beta);
        AssertClose(c, expected, "c", ParityAssert.GemmRelative);
    }

    [Test]
    public void Gemm_BadShapes_NameTheArgument()
    {
        var (a, _) = RandomPair(3, 4);
        var (b, _) = RandomPair(5, 2);
        var (c, _) = RandomPair(3, 2);
        var e = Assert.Throws<ArgumentException>(() => Backend.Gemm(a, b, c));
        Assert.That(e!.ParamName, Is.EqualTo("b"));
        var (b2, _) = RandomPair(4, 2);
        var (c2, _) = RandomPair(2, 2);
        e = Assert.Throws<ArgumentException>(() => Backend.Gemm(a, b2, c2));
        Assert.That(e!.ParamName, Is.EqualTo("c"));
    }
}
