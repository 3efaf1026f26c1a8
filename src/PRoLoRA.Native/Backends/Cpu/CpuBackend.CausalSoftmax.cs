using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Attention's causal softmax and its gradient (the twins of cuda/causal_softmax.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void CausalSoftmax(Tensor scores, int queries, int queryOffset, int rowsPerBatch, ReadOnlySpan<int> keyMask, Tensor probabilities)
    {
        var (rows, keys) = OpChecks.CausalSoftmax(this, scores, queries, queryOffset, rowsPerBatch, keyMask, probabilities);
        int[] masks = keyMask.ToArray();
        CpuRows.For(rows, keys, (start, end) =>
        {
            var ss = Elements(scores);
            var ps = Elements(probabilities);
            for (int r = start; r < end; r++)
            {
                var mask = masks.Length == 0 ? ReadOnlySpan<int>.Empty : masks.AsSpan(r / rowsPerBatch * keys, keys);
                SoftmaxRow(ss.Slice(r * keys, keys), ps.Slice(r * keys, keys), mask, VisibleEnd(queryOffset, r % queries, keys));
            }
        });
    }

    /// <summary>One row of <see cref="CausalSoftmax"/>: keys 0 .. end − 1 not masked out are visible.</summary>
    private static void SoftmaxRow(ReadOnlySpan<float> row, Span<float> prow, ReadOnlySpan<int> mask, int end)
    {
        float max = float.NegativeInfinity;
        for (int k = 0; k < end; k++)
        {
            if (mask.IsEmpty || mask[k] != 0)
            {
                max = MathF.Max(max, row[k]);
            }
        }
        if (max == float.NegativeInfinity)
        {
            prow.Clear();
            return;
        }
        // Exponentials of the causal prefix (masked keys zeroed after), zeros beyond it.
        TensorPrimitives.Subtract(row[..end], max, prow[..end]);
        TensorPrimitives.Exp(prow[..end], prow[..end]);
        prow[end..].Clear();
        for (int k = 0; k < end && !mask.IsEmpty; k++)
        {
            if (mask[k] == 0)
            {
                prow[k] = 0f;
            }
        }
        TensorPrimitives.Divide(prow[..end], TensorPrimitives.Sum(prow[..end]), prow[..end]);
    }

    /// <inheritdoc/>
    public void CausalSoftmaxBackward(Tensor probabilities, Tensor dProbabilities, Tensor dScores)
    {
        var (rows, keys) = OpChecks.CausalSoftmaxBackward(this, probabilities, dProbabilities, dScores);
        CpuRows.For(rows, keys, (start, end) =>
        {
            var ps = Elements(probabilities);
            var dps = Elements(dProbabilities);
            var dss = Elements(dScores);
            for (int r = start; r < end; r++)
            {
                var prow = ps.Slice(r * keys, keys);
                var dsrow = dss.Slice(r * keys, keys);
                float dot = TensorPrimitives.Dot(prow, dps.Slice(r * keys, keys));
                TensorPrimitives.Subtract(dps.Slice(r * keys, keys), dot, dsrow);
                TensorPrimitives.Multiply(dsrow, prow, dsrow);
            }
        });
    }

    /// <summary>The end of the causal prefix of a row's keys: keys 0 .. end − 1 are at or before query q's position queryOffset + q.</summary>
    private static int VisibleEnd(int queryOffset, int q, int keys) => (int)Math.Min((long)queryOffset + q + 1, keys);

    internal static partial class Reference
    {
        /// <summary>
        /// Causal softmax of scores (rows×keys): row r is query q = r mod queries at position
        /// queryOffset + q of batch element r / rowsPerBatch; key k is visible iff k ≤ queryOffset + q and
        /// (keyMask is empty or keyMask[batch·keys + k] ≠ 0). probabilities = exp(s − max) / Σ exp(s − max)
        /// over the visible keys (summed in double), 0 elsewhere; all zeros when no key is visible.
        /// </summary>
        public static void CausalSoftmax(ReadOnlySpan<float> scores, int queries, int queryOffset, int rowsPerBatch, ReadOnlySpan<int> keyMask,
            Span<float> probabilities, int rows, int keys)
        {
            for (int r = 0; r < rows; r++)
            {
                long last = (long)queryOffset + (r % queries);
                var mask = keyMask.IsEmpty ? keyMask : keyMask.Slice(r / rowsPerBatch * keys, keys);
                var row = scores.Slice(r * keys, keys);
                float max = float.NegativeInfinity;
                for (int k = 0; k < keys; k++)
                {
                    max = Visible(k, last, mask) ? Math.Max(max, row[k]) : max;
                }
                double sum = 0;
                for (int k = 0; k < keys; k++)
                {
                    sum += Visible(k, last, mask) ? Math.Exp(row[k] - max) : 0;
                }
                for (int k = 0; k < keys; k++)
                {
                    bool any = max != float.NegativeInfinity;
                    probabilities[(r * keys) + k] = any && Visible(k, last, mask) ? (float)(Math.Exp(row[k] - max) / sum) : 0f;
                }
            }
        }

        /// <summary>Key k is at or before the query's position <paramref name="last"/> and not masked out.</summary>
        private static bool Visible(int k, long last, ReadOnlySpan<int> mask) => k <= last && (mask.IsEmpty || mask[k] != 0);

        /// <summary>dScores = P ⊙ (dP − Σ_k dP[k]·P[k]) per row of probabilities P and dP (rows×keys), the dot in double.</summary>
        public static void CausalSoftmaxBackward(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> dProbabilities, Span<float> dScores, int rows, int keys)
        {
            for (int r = 0; r < rows; r++)
            {
                double dot = 0;
                for (int k = 0; k < keys; k++)
                {
                    dot += (double)probabilities[(r * keys) + k] * dProbabilities[(r * keys) + k];
                }
                for (int k = 0; k < keys; k++)
                {
                    dScores[(r * keys) + k] = (float)(probabilities[(r * keys) + k] * (dProbabilities[(r * keys) + k] - dot));
                }
            }
        }
    }
}
