using PRoLoRA.Native.Backends;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Column sums, the sum of squares, embedding and its gradient, softmax cross-entropy, AdamW.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void SumRows_MatchesCpu([Values(1, 37)] int rows, [Values(0f, 1f)] float beta)
    {
        var (x, xRef) = RandomPair(rows, 23);
        var (o, oRef) = Pair(beta == 0f ? NaNs(23) : Randoms(23), 23);
        Backend.SumRows(x, o, beta);
        Cpu.SumRows(xRef, oRef, beta);
        AssertClose(o, oRef, "output");
    }

    [Test]
    public void SumOfSquares_MatchesCpu([Values(0, 1, 1000, 70_000)] int n)
    {
        var (x, xRef) = RandomPair(n);
        double expected = Cpu.SumOfSquares(xRef);
        Assert.That(Backend.SumOfSquares(x), Is.EqualTo(expected).Within(1e-9 * Math.Max(expected, 1)));
    }

    [Test]
    public void Embedding_MatchesCpu()
    {
        int[] ids = [3, 0, 10, 3, 7, 7, 7, 1, 0];
        var (table, tableRef) = RandomPair(11, 6);
        var (o, oRef) = Pair(NaNs(ids.Length * 6), ids.Length, 6);
        Backend.Embedding(table, ids, o);
        Cpu.Embedding(tableRef, ids, oRef);
        AssertExact(o, oRef, "output");
    }

    [Test]
    public void EmbeddingBackward_AccumulatesRepeats()
    {
        int[] ids = [3, 0, 10, 3, 7, 7, 7, 1, 0];
        var (dOut, dOutRef) = RandomPair(ids.Length, 6);
        var (dTable, dTableRef) = RandomPair(11, 6);
        Backend.EmbeddingBackward(dOut, ids, dTable);
        Cpu.EmbeddingBackward(dOutRef, ids, dTableRef);
        AssertClose(dTable, dTableRef, "dTable");
    }

    [Test]
    public void Embedding_RejectsIdsOutOfRange()
    {
        var (table, _) = RandomPair(4, 2);
        var (o, _) = RandomPair(2, 2);
        Assert.That(() => Backend.Embedding(table, [1, 4], o), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("ids"));
    }

    [Test]
    public void SoftmaxCrossEntropy_MatchesCpu([Values(1, 7)] int n)
    {
        int v = 13;
        var targets = Enumerable.Range(0, n).Select(i => (i * 5) % v).ToArray();
        var (logits, logitsRef) = Pair(Randoms(n * v, -4f, 4f), n, v);
        var (d, dRef) = Pair(NaNs(n * v), n, v);
        float loss = Backend.SoftmaxCrossEntropy(logits, targets, d);
        float expected = Cpu.SoftmaxCrossEntropy(logitsRef, targets, dRef);
        ParityAssert.Close([loss], [expected], "loss");
        AssertClose(d, dRef, "dLogits");
    }

    [Test]
    public void AdamW_MatchesCpu([Values(1, 7)] int t, [Values(0f, 0.01f)] float weightDecay)
    {
        var step = new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, t);
        var (p, pRef) = RandomPair(1000);
        var (g, gRef) = RandomPair(1000);
        var (m, mRef) = Pair(Randoms(1000, -0.1f, 0.1f), 1000);
        var (v, vRef) = Pair(Randoms(1000, 0f, 0.01f), 1000);
        Backend.AdamW(p, g, m, v, step);
        Cpu.AdamW(pRef, gRef, mRef, vRef, step);
        AssertClose(m, mRef, "m");
        AssertClose(v, vRef, "v");
        AssertClose(p, pRef, "param");
    }
}
