using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Embedding lookup and its gradient (the twins of cuda/embedding.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Embedding(Tensor table, ReadOnlySpan<int> ids, Tensor output)
    {
        var (_, d) = OpChecks.Embedding(this, table, ids, output);
        Reference.Embedding(Elements(table), ids, Elements(output), d);
    }

    /// <inheritdoc/>
    public void EmbeddingBackward(Tensor dOutput, ReadOnlySpan<int> ids, Tensor dTable)
    {
        var (_, d) = OpChecks.EmbeddingBackward(this, dOutput, ids, dTable);
        var ts = Elements(dTable);
        var os = Elements(dOutput);
        for (int i = 0; i < ids.Length; i++)
        {
            var row = ts.Slice(ids[i] * d, d);
            TensorPrimitives.Add(row, os.Slice(i * d, d), row);
        }
    }

    internal static partial class Reference
    {
        /// <summary>output[i, :] = table[ids[i], :] (rows of width d).</summary>
        public static void Embedding(ReadOnlySpan<float> table, ReadOnlySpan<int> ids, Span<float> output, int d)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                table.Slice(ids[i] * d, d).CopyTo(output.Slice(i * d, d));
            }
        }

        /// <summary>dTable[ids[i], :] += dOutput[i, :] (rows of width d; repeated ids accumulate).</summary>
        public static void EmbeddingBackward(ReadOnlySpan<float> dOutput, ReadOnlySpan<int> ids, Span<float> dTable, int d)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    dTable[(ids[i] * d) + j] += dOutput[(i * d) + j];
                }
            }
        }
    }
}
