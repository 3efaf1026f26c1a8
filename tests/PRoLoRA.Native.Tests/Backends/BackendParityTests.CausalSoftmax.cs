using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// Attention's causal softmax: with and without a query offset (a KV cache), a key mask with padding
/// and a fully masked batch element, rows wider than a block, in place; masked scores hold NaN, which
/// must not reach a result. Its gradient, in place and not.
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>(batch, heads, queries, keys, queryOffset, masked).</summary>
    public static IEnumerable<TestCaseData> CausalSoftmaxCases() =>
    [
        new(1, 1, 5, 5, 0, false),
        new(2, 3, 4, 4, 0, true),
        new(2, 2, 1, 9, 8, true),     // decoding one token against a cache of 8
        new(1, 2, 3, 300, 297, false), // rows wider than a block
        new(3, 1, 6, 300, 290, true),
        new(2, 1, 4, 10, 2, true),     // keys beyond the last query's position stay masked
    ];

    [TestCaseSource(nameof(CausalSoftmaxCases))]
    public void CausalSoftmax_MatchesTheDefinition(int batch, int heads, int queries, int keys, int queryOffset, bool masked)
    {
        int rows = batch * heads * queries, rowsPerBatch = heads * queries;
        var mask = masked ? KeyMask(batch, keys) : [];
        var scores = Randoms(rows * keys, -4f, 4f);
        for (int r = 0; r < rows; r++)
        {
            for (int k = 0; k < keys; k++)
            {
                bool hidden = k > queryOffset + (r % queries) || (masked && mask[(r / rowsPerBatch * keys) + k] == 0);
                scores[(r * keys) + k] = hidden ? float.NaN : scores[(r * keys) + k];
            }
        }
        var (s, sHost) = Pair(scores, rows, keys);
        var (p, expected) = Pair(NaNs(rows * keys), rows, keys);
        Backend.CausalSoftmax(s, queries, queryOffset, rowsPerBatch, mask, p);
        CpuBackend.Reference.CausalSoftmax(sHost, queries, queryOffset, rowsPerBatch, mask, expected, rows, keys);
        AssertClose(p, expected, "probabilities", ParityAssert.SumRelative);
        Backend.CausalSoftmax(s, queries, queryOffset, rowsPerBatch, mask, s);
        AssertClose(s, expected, "probabilities in place", ParityAssert.SumRelative);
    }

    /// <summary>A row whose every visible key is masked out is all zeros, not NaN.</summary>
    [Test]
    public void CausalSoftmax_OfARowWithNoVisibleKey_IsZeros()
    {
        var (s, _) = RandomPair(2, 3);
        var (p, _) = Pair(NaNs(6), 2, 3);
        Backend.CausalSoftmax(s, 2, 0, 2, [0, 1, 1], p);
        var got = p.ToArray();
        AssertExact(p, [0f, 0f, 0f, 0f, 1f, 0f], "probabilities");
        Assert.That(got, Has.None.NaN);
    }

    [Test]
    public void CausalSoftmaxBackward_MatchesTheDefinition([Values(1, 7, 300)] int keys, [Values] bool inPlace)
    {
        const int rows = 5;
        var probabilities = new float[rows * keys];
        CpuBackend.Reference.CausalSoftmax(Randoms(rows * keys, -3f, 3f), rows, keys / 2, rows, [], probabilities, rows, keys);
        var (p, pHost) = Pair(probabilities, rows, keys);
        var (dp, dpHost) = RandomPair(rows, keys);
        var (ds, expected) = inPlace ? (dp, new float[rows * keys]) : Pair(NaNs(rows * keys), rows, keys);
        Backend.CausalSoftmaxBackward(p, dp, ds);
        CpuBackend.Reference.CausalSoftmaxBackward(pHost, dpHost, expected, rows, keys);
        AssertClose(ds, expected, "dScores", ParityAssert.SumRelative);
    }

    [Test]
    public void CausalSoftmax_BadArguments_NameTheArgument()
    {
        var (s, _) = RandomPair(6, 4);
        var (p, _) = RandomPair(6, 4);
        Assert.Multiple(() =>
        {
            Assert.That(() => Backend.CausalSoftmax(s, 0, 0, 6, [], p), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("queries"));
            Assert.That(() => Backend.CausalSoftmax(s, 3, -1, 6, [], p), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("queryOffset"));
            Assert.That(() => Backend.CausalSoftmax(s, 3, 0, 4, [], p), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("rowsPerBatch"));
            Assert.That(() => Backend.CausalSoftmax(s, 4, 0, 4, [], p), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("rowsPerBatch"));
            Assert.That(() => Backend.CausalSoftmax(s, 3, 0, 3, [1, 1, 1, 1], p), Throws.ArgumentException.With.Property("ParamName").EqualTo("keyMask"));
            Assert.That(() => Backend.CausalSoftmax(s, 3, 0, 6, [], p.Reshape(4, 6)), Throws.ArgumentException.With.Property("ParamName").EqualTo("probabilities"));
            Assert.That(() => Backend.CausalSoftmaxBackward(s, p.T, p), Throws.ArgumentException.With.Property("ParamName").EqualTo("dProbabilities"));
        });
    }

    /// <summary>A (batch × keys) mask with a few padded keys in each batch element, and every key of the second masked out.</summary>
    private static int[] KeyMask(int batch, int keys)
    {
        var mask = new int[batch * keys];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = i / keys == 1 ? 0 : (i % 3 == 1 ? 0 : 1 + (i % 5));
        }
        return mask;
    }
}
