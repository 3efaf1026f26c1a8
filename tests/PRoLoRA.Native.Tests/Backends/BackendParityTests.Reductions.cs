using PRoLoRA.Native.Backends;
using PRoLoRA.Native.Backends.Cpu;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>Column sums, the sum of squares, embedding and its gradient, softmax cross-entropy (ignored targets included), AdamW.</summary>
public abstract partial class BackendParityTests
{
    [Test]
    public void SumRows_MatchesTheDefinition([Values(1, 37)] int rows, [Values(0f, 1f, 0.5f)] float beta)
    {
        const int cols = 300; // more columns than a block
        var (x, xHost) = RandomPair(rows, cols);
        var (o, expected) = Pair(beta == 0f ? NaNs(cols) : Randoms(cols), cols);
        Backend.SumRows(x, o, beta);
        CpuBackend.Reference.SumRows(xHost, expected, rows, cols, beta);
        AssertClose(o, expected, "output", ParityAssert.SumRelative);
    }

    [Test]
    public void SumOfSquares_MatchesTheDefinition([Values(0, 1, 1000, 70_000)] int n)
    {
        var (x, xHost) = RandomPair(n);
        double expected = CpuBackend.Reference.SumOfSquares(xHost);
        Assert.That(Backend.SumOfSquares(x), Is.EqualTo(expected).Within(1e-9 * Math.Max(expected, 1)));
    }

    [Test]
    public void Embedding_MatchesTheDefinition()
    {
        int[] ids = [3, 0, 10, 3, 7, 7, 7, 1, 0];
        var (table, tableHost) = RandomPair(11, 6);
        var (o, expected) = Pair(NaNs(ids.Length * 6), ids.Length, 6);
        Backend.Embedding(table, ids, o);
        CpuBackend.Reference.Embedding(tableHost, ids, expected, 6);
        AssertExact(o, expected, "output");
    }

    [Test]
    public void EmbeddingBackward_AccumulatesRepeats()
    {
        int[] ids = [3, 0, 10, 3, 7, 7, 7, 1, 0];
        var (dOut, dOutHost) = RandomPair(ids.Length, 6);
        var (dTable, expected) = RandomPair(11, 6);
        Backend.EmbeddingBackward(dOut, ids, dTable);
        CpuBackend.Reference.EmbeddingBackward(dOutHost, ids, expected, 6);
        AssertClose(dTable, expected, "dTable");
    }

    [Test]
    public void Embedding_RejectsIdsOutOfRange()
    {
        var (table, _) = RandomPair(4, 2);
        var (o, _) = RandomPair(2, 2);
        Assert.That(() => Backend.Embedding(table, [1, 4], o), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("ids"));
    }

    /// <summary>Large logits (scale 60) check that the row's maximum is subtracted before exp.</summary>
    [Test]
    public void SoftmaxCrossEntropy_MatchesTheDefinition([Values(1, 7)] int n, [Values(4f, 60f)] float scale, [Values(37, 700)] int v)
    {
        var targets = Enumerable.Range(0, n).Select(i => (i * 5) % v).ToArray();
        var (logits, logitsHost) = Pair(Randoms(n * v, -scale, scale), n, v);
        var (d, expected) = Pair(NaNs(n * v), n, v);
        float loss = Backend.SoftmaxCrossEntropy(logits, targets, d);
        float expectedLoss = CpuBackend.Reference.SoftmaxCrossEntropy(logitsHost, targets, expected, n, v);
        ParityAssert.Close([loss], [expectedLoss], "loss");
        AssertClose(d, expected, "dLogits");
    }

    /// <summary>Targets of −1 are ignored: their rows get no gradient and the mean is over the others (0 when none is left).</summary>
    [Test]
    public void SoftmaxCrossEntropy_IgnoresTargetsOfMinusOne([Values(1, 3, 7)] int ignored)
    {
        const int n = 7, v = 300;
        var targets = Enumerable.Range(0, n).Select(i => i < ignored ? -1 : (i * 37) % v).Reverse().ToArray();
        var (logits, logitsHost) = Pair(Randoms(n * v, -8f, 8f), n, v);
        var (d, expected) = Pair(NaNs(n * v), n, v);
        float loss = Backend.SoftmaxCrossEntropy(logits, targets, d);
        float expectedLoss = CpuBackend.Reference.SoftmaxCrossEntropy(logitsHost, targets, expected, n, v);
        ParityAssert.Close([loss], [expectedLoss], "loss");
        AssertClose(d, expected, "dLogits");
        var dHost = d.ToArray();
        for (int i = 0; i < n; i++)
        {
            float rowSum = dHost.Skip(i * v).Take(v).Select(MathF.Abs).Sum();
            Assert.That(rowSum, targets[i] == -1 ? Is.Zero : Is.GreaterThan(0f), $"row {i} (target {targets[i]})");
        }
        if (ignored == n)
        {
            Assert.That(loss, Is.Zero);
        }
    }

    /// <summary>Without −1 targets the loss and gradient are those of the plain mean over all rows (the same formula as before the ignore rule).</summary>
    [Test]
    public void SoftmaxCrossEntropy_WithoutIgnoredTargets_AveragesOverEveryRow()
    {
        var (logits, _) = Pair([0f, 0f, 0f, 0f, 0f, 0f], 2, 3);
        var (d, _) = Pair(NaNs(6), 2, 3);
        float loss = Backend.SoftmaxCrossEntropy(logits, [0, 2], d);
        ParityAssert.Close([loss], [MathF.Log(3f)], "loss");
        AssertClose(d, [(1f / 3f / 2f) - 0.5f, 1f / 6f, 1f / 6f, 1f / 6f, 1f / 6f, (1f / 3f / 2f) - 0.5f], "dLogits");
    }

    [Test]
    public void SoftmaxCrossEntropy_RejectsTargetsOutOfRange([Values(-2, 5)] int target)
    {
        var (logits, _) = RandomPair(2, 5);
        var (d, _) = RandomPair(2, 5);
        Assert.That(() => Backend.SoftmaxCrossEntropy(logits, [0, target], d), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("targets"));
    }

    [Test]
    public void AdamW_MatchesTheDefinition([Values(1, 7)] int t, [Values(0f, 0.01f)] float weightDecay)
    {
        var step = new AdamWStep(1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, t);
        var (p, pHost) = RandomPair(1000);
        var (g, gHost) = RandomPair(1000);
        var (m, mHost) = Pair(Randoms(1000, -0.1f, 0.1f), 1000);
        var (v, vHost) = Pair(Randoms(1000, 0f, 0.01f), 1000);
        Backend.AdamW(p, g, m, v, step);
        CpuBackend.Reference.AdamW(pHost, gHost, mHost, vHost, step);
        AssertClose(m, mHost, "m");
        AssertClose(v, vHost, "v");
        AssertClose(p, pHost, "param");
    }
}
