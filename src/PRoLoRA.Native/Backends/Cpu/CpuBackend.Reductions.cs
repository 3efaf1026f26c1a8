using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>Column sums and the sum of squares (the twins of cuda/reductions.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void SumRows(Tensor x, Tensor output, float beta)
    {
        var (rows, cols) = OpChecks.SumRows(this, x, output);
        var xs = Elements(x);
        var os = Elements(output);
        if (beta == 0f)
        {
            os.Clear();
        }
        else if (beta != 1f)
        {
            TensorPrimitives.Multiply(os, beta, os);
        }
        for (int i = 0; i < rows; i++)
        {
            TensorPrimitives.Add(os, xs.Slice(i * cols, cols), os);
        }
    }

    /// <inheritdoc/>
    public double SumOfSquares(Tensor x)
    {
        OpChecks.SumOfSquares(this, x);
        return Reference.SumOfSquares(Elements(x));
    }

    internal static partial class Reference
    {
        /// <summary>output[j] = beta·output[j] + Σ_i x[i, j] (x rows×cols), summed in double; beta = 0 does not read output.</summary>
        public static void SumRows(ReadOnlySpan<float> x, Span<float> output, int rows, int cols, float beta)
        {
            for (int j = 0; j < cols; j++)
            {
                double sum = beta == 0f ? 0 : beta * (double)output[j];
                for (int i = 0; i < rows; i++)
                {
                    sum += x[(i * cols) + j];
                }
                output[j] = (float)sum;
            }
        }

        /// <summary>Σ x², accumulated in double.</summary>
        public static double SumOfSquares(ReadOnlySpan<float> x)
        {
            double sum = 0;
            foreach (var v in x)
            {
                sum += (double)v * v;
            }
            return sum;
        }
    }
}
