using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>The AdamW update (the twin of cuda/adamw.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWStep step)
    {
        OpChecks.AdamW(this, param, grad, m, v);
        Reference.AdamW(Elements(param), Elements(grad), Elements(m), Elements(v), step);
    }

    internal static partial class Reference
    {
        /// <summary>
        /// m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= lr · (m/c1 / (sqrt(v/c2) + eps) + wd · p),
        /// c1 = 1 − b1^t, c2 = 1 − b2^t (<see cref="AdamWStep"/>).
        /// </summary>
        public static void AdamW(Span<float> param, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, AdamWStep step)
        {
            float b1 = step.Beta1, b2 = step.Beta2, c1 = step.BiasCorrection1, c2 = step.BiasCorrection2;
            for (int i = 0; i < param.Length; i++)
            {
                float g = grad[i];
                m[i] = (b1 * m[i]) + ((1f - b1) * g);
                v[i] = (b2 * v[i]) + ((1f - b2) * g * g);
                float update = (m[i] / c1) / (MathF.Sqrt(v[i] / c2) + step.Epsilon);
                param[i] -= step.LearningRate * (update + (step.WeightDecay * param[i]));
            }
        }
    }
}
