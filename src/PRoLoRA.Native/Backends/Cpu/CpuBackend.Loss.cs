using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Softmax cross-entropy (the twin of cuda/softmax_cross_entropy.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public float SoftmaxCrossEntropy(Tensor logits, ReadOnlySpan<int> targets, Tensor dLogits)
    {
        var (n, v) = OpChecks.SoftmaxCrossEntropy(this, logits, targets, dLogits);
        return Reference.SoftmaxCrossEntropy(Elements(logits), targets, Elements(dLogits), n, v);
    }

    internal static partial class Reference
    {
        /// <summary>
        /// Mean over the rows of logits (n×v) whose target is not −1 (count of them) of
        /// log Σ exp(row) − row[target] (stabilised by the row's max, summed in double);
        /// dLogits = (softmax − onehot) / count on those rows, 0 on the ignored ones. Returns the loss (0 when count = 0).
        /// </summary>
        public static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> dLogits, int n, int v)
        {
            int count = 0;
            foreach (int target in targets)
            {
                count += target == -1 ? 0 : 1;
            }
            double loss = 0;
            for (int i = 0; i < n; i++)
            {
                var row = logits.Slice(i * v, v);
                var drow = dLogits.Slice(i * v, v);
                if (targets[i] == -1)
                {
                    drow.Clear();
                    continue;
                }
                float max = TensorPrimitives.Max(row);
                double z = 0;
                for (int j = 0; j < v; j++)
                {
                    z += Math.Exp(row[j] - max);
                }
                loss += Math.Log(z) - (row[targets[i]] - max);
                for (int j = 0; j < v; j++)
                {
                    drow[j] = (float)(Math.Exp(row[j] - max) / z) / count;
                }
                drow[targets[i]] -= 1f / count;
            }
            return (float)(loss / Math.Max(count, 1));
        }
    }
}
