using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Rotary position embedding (the twin of cuda/rope.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    /// <remarks>A row's cosines and sines are computed once and serve all its heads.</remarks>
    public void Rope(Tensor x, ReadOnlySpan<int> positions, int headDim, float theta, float positionScale, Tensor output, bool inverse)
    {
        var (rows, heads) = OpChecks.Rope(this, x, positions, headDim, theta, positionScale, output);
        var inverseFrequencies = RopeFrequencies.Inverse(headDim, theta);
        int half = headDim / 2, cols = heads * headDim;
        var rowPositions = positions[..rows].ToArray();
        CpuRows.For(rows, cols, (start, end) =>
        {
            var xs = Elements(x);
            var os = Elements(output);
            Span<float> table = stackalloc float[2 * half];
            for (int r = start; r < end; r++)
            {
                float position = rowPositions[r] / positionScale;
                for (int i = 0; i < half; i++)
                {
                    float angle = position * inverseFrequencies[i];
                    table[i] = MathF.Cos(angle);
                    table[half + i] = inverse ? -MathF.Sin(angle) : MathF.Sin(angle);
                }
                for (int h = 0; h < heads; h++)
                {
                    int at = (r * cols) + (h * headDim);
                    for (int i = 0; i < half; i++)
                    {
                        float x0 = xs[at + i], x1 = xs[at + half + i], c = table[i], s = table[half + i];
                        os[at + i] = (x0 * c) - (x1 * s);
                        os[at + half + i] = (x1 * c) + (x0 * s);
                    }
                }
            }
        });
    }

    internal static partial class Reference
    {
        /// <summary>
        /// RoPE of x (rows × cols, heads of headDim), rotate_half convention: for each head and
        /// i &lt; half, angle = (positions[row] / positionScale) · invFreq[i] in float32 with HF's
        /// invFreq (<see cref="RopeFrequencies"/>); out[i] = x[i]·cos − x[i+half]·sin,
        /// out[i+half] = x[i+half]·cos + x[i]·sin, and sin → −sin when inverse.
        /// </summary>
        public static void Rope(ReadOnlySpan<float> x, ReadOnlySpan<int> positions, int headDim, float theta, float positionScale, Span<float> output, bool inverse, int cols)
        {
            var inverseFrequencies = RopeFrequencies.Inverse(headDim, theta);
            int half = headDim / 2;
            for (int r = 0; r < positions.Length; r++)
            {
                for (int start = r * cols; start < (r + 1) * cols; start += headDim)
                {
                    for (int i = 0; i < half; i++)
                    {
                        float angle = positions[r] / positionScale * inverseFrequencies[i];
                        float c = MathF.Cos(angle), s = inverse ? -MathF.Sin(angle) : MathF.Sin(angle);
                        float x0 = x[start + i], x1 = x[start + half + i];
                        output[start + i] = (x0 * c) - (x1 * s);
                        output[start + half + i] = (x1 * c) + (x0 * s);
                    }
                }
            }
        }
    }
}
