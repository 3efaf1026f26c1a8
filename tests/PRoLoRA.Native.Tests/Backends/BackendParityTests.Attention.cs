using PRoLoRA.Native.Autograd;

namespace PRoLoRA.Native.Tests.BackendParity;

/// <summary>
/// The attention tape op on every backend (its strided batched products, causal softmax and their
/// gradients together) against attention written out per head in double: multi-head, grouped-query
/// and multi-query heads, a query offset (a KV cache), key masks, one query (decoding).
/// </summary>
public abstract partial class BackendParityTests
{
    /// <summary>(batch, queries, keys, heads, kvHeads, headDim, queryOffset, masked, k and v constant).</summary>
    public static IEnumerable<TestCaseData> AttentionCases() =>
    [
        new(1, 4, 4, 2, 2, 8, 0, false, false),
        new(2, 3, 3, 4, 2, 5, 0, false, false),
        new(2, 2, 6, 4, 1, 4, 4, true, false),
        new(1, 1, 9, 6, 3, 16, 8, false, false),
        new(2, 5, 7, 2, 1, 3, 2, true, false),
        new(2, 3, 5, 4, 2, 4, 2, true, true),
    ];

    [TestCaseSource(nameof(AttentionCases))]
    public void Attention_MatchesAttentionWrittenOut(int batch, int queries, int keys, int heads, int kvHeads, int headDim, int queryOffset, bool masked, bool constantKv)
    {
        var shape = new AttentionShape(batch, queries, keys, heads, kvHeads, headDim, queryOffset, masked ? AttentionMask(batch, keys) : null);
        var (q, qHost) = RandomPair(batch * queries, heads * headDim);
        var (k, kHost) = RandomPair(batch * keys, kvHeads * headDim);
        var (v, vHost) = RandomPair(batch * keys, kvHeads * headDim);
        var (dO, dOHost) = RandomPair(batch * queries, heads * headDim);
        var expected = AttentionReference.Run(qHost, kHost, vHost, dOHost, shape);
        var (qv, kv, vv) = (Variable.Input(q), constantKv ? Variable.Constant(k) : Variable.Input(k), constantKv ? Variable.Constant(v) : Variable.Input(v));
        using (var tape = new Tape(Backend))
        {
            var o = tape.Attention(qv, kv, vv, shape);
            AssertClose(o.Value, expected.O, "output", ParityAssert.GemmRelative);
            tape.Backward(o, dO);
        }
        AssertClose(qv.Grad!, expected.DQ, "dq", ParityAssert.GemmRelative);
        if (!constantKv)
        {
            AssertClose(kv.Grad!, expected.DK, "dk", ParityAssert.GemmRelative);
            AssertClose(vv.Grad!, expected.DV, "dv", ParityAssert.GemmRelative);
        }
        foreach (var grad in new[] { qv.Grad, kv.Grad, vv.Grad })
        {
            grad?.Dispose();
        }
    }

    [Test]
    public void Attention_BadShapes_AreRejected()
    {
        var (q, _) = RandomPair(4, 8);
        var (k, _) = RandomPair(4, 4);
        using var tape = new Tape(Backend);
        var (qv, kv) = (Variable.Constant(q), Variable.Constant(k));
        Assert.Multiple(() =>
        {
            Assert.That(() => tape.Attention(qv, kv, kv, new AttentionShape(2, 2, 2, 2, 1, 4)), Throws.Nothing);
            Assert.That(() => tape.Attention(qv, kv, kv, new AttentionShape(2, 2, 2, 3, 2, 4)), Throws.ArgumentException.With.Property("ParamName").EqualTo("shape"));
            Assert.That(() => tape.Attention(qv, kv, kv, new AttentionShape(2, 2, 2, 2, 1, 4, -1)), Throws.ArgumentException.With.Property("ParamName").EqualTo("shape"));
            Assert.That(() => tape.Attention(qv, kv, kv, new AttentionShape(2, 2, 2, 2, 1, 4, 0, [1, 1, 1])), Throws.ArgumentException.With.Property("ParamName").EqualTo("shape"));
            Assert.That(() => tape.Attention(qv, kv, kv, new AttentionShape(2, 2, 2, 2, 2, 4)), Throws.ArgumentException.With.Property("ParamName").EqualTo("k"));
            Assert.That(() => tape.Attention(kv, kv, kv, new AttentionShape(2, 2, 2, 2, 1, 4)), Throws.ArgumentException.With.Property("ParamName").EqualTo("q"));
            Assert.That(() => tape.Attention(qv, kv, qv, new AttentionShape(2, 2, 2, 2, 1, 4)), Throws.ArgumentException.With.Property("ParamName").EqualTo("v"));
        });
    }

    /// <summary>A (batch × keys) mask with a padded key in every batch element but key 0.</summary>
    private static int[] AttentionMask(int batch, int keys)
        => Enumerable.Range(0, batch * keys).Select(i => i % keys == 0 || (i + (i / keys)) % 3 != 1 ? 1 : 0).ToArray();

    /// <summary>Attention and its gradients, one query head and query at a time, in double.</summary>
    private static class AttentionReference
    {
        public static (float[] O, float[] DQ, float[] DK, float[] DV) Run(float[] q, float[] k, float[] v, float[] dO, AttentionShape s)
        {
            int d = s.HeadDim, qw = s.Heads * d, kw = s.KvHeads * d;
            double scale = 1 / Math.Sqrt(d);
            var (o, dq, dk, dv) = (new float[q.Length], new double[q.Length], new double[k.Length], new double[v.Length]);
            for (int b = 0; b < s.Batch; b++)
            {
                for (int h = 0; h < s.Heads; h++)
                {
                    int kvh = h / (s.Heads / s.KvHeads);
                    for (int i = 0; i < s.Queries; i++)
                    {
                        int qi = (((b * s.Queries) + i) * qw) + (h * d);
                        int KeyAt(int j) => (((b * s.Keys) + j) * kw) + (kvh * d);
                        bool Visible(int j) => j <= s.QueryOffset + i && (s.KeyMask is null || s.KeyMask[(b * s.Keys) + j] != 0);
                        var p = new double[s.Keys];
                        double max = double.NegativeInfinity, sum = 0;
                        for (int j = 0; j < s.Keys; j++)
                        {
                            p[j] = Visible(j) ? scale * Dot(q, qi, k, KeyAt(j), d) : double.NegativeInfinity;
                            max = Math.Max(max, p[j]);
                        }
                        for (int j = 0; j < s.Keys; j++)
                        {
                            p[j] = Visible(j) ? Math.Exp(p[j] - max) : 0;
                            sum += p[j];
                        }
                        var dp = new double[s.Keys];
                        double dot = 0;
                        for (int j = 0; j < s.Keys; j++)
                        {
                            p[j] = sum > 0 ? p[j] / sum : 0;
                            dp[j] = Dot(dO, qi, v, KeyAt(j), d);
                            dot += p[j] * dp[j];
                        }
                        for (int c = 0; c < d; c++)
                        {
                            double acc = 0;
                            for (int j = 0; j < s.Keys; j++)
                            {
                                acc += p[j] * v[KeyAt(j) + c];
                                dv[KeyAt(j) + c] += p[j] * dO[qi + c];
                                double ds = p[j] * (dp[j] - dot);
                                dq[qi + c] += scale * ds * k[KeyAt(j) + c];
                                dk[KeyAt(j) + c] += scale * ds * q[qi + c];
                            }
                            o[qi + c] = (float)acc;
                        }
                    }
                }
            }
            return (o, ToFloats(dq), ToFloats(dk), ToFloats(dv));
        }

        private static double Dot(float[] x, int xi, float[] y, int yi, int n)
        {
            double sum = 0;
            for (int c = 0; c < n; c++)
            {
                sum += (double)x[xi + c] * y[yi + c];
            }
            return sum;
        }

        private static float[] ToFloats(double[] values) => values.Select(x => (float)x).ToArray();
    }
}
