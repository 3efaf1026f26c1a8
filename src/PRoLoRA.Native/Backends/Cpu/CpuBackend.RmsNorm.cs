using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>RMS normalisation and its gradient (the twins of cuda/rms_norm.cu).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void RmsNorm(Tensor x, Tensor weight, float eps, Tensor output, Tensor rstd)
    {
        var (rows, cols) = OpChecks.RmsNorm(this, x, weight, eps, output, rstd);
        CpuRows.For(rows, cols, (start, end) =>
        {
            var xs = Elements(x);
            var ws = Elements(weight);
            var os = Elements(output);
            var rs = Elements(rstd);
            for (int i = start; i < end; i++)
            {
                var row = xs.Slice(i * cols, cols);
                var orow = os.Slice(i * cols, cols);
                float r = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares(row) / cols) + eps);
                TensorPrimitives.Multiply(row, r, orow);
                TensorPrimitives.Multiply(orow, ws, orow);
                rs[i] = r;
            }
        });
    }

    /// <inheritdoc/>
    public void RmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dWeight, float beta)
    {
        var (rows, cols) = OpChecks.RmsNormBackward(this, x, weight, rstd, dy, dx, dWeight);
        CpuRows.For(rows, cols, (start, end) =>
        {
            var xs = Elements(x);
            var ws = Elements(weight);
            var rs = Elements(rstd);
            var dys = Elements(dy);
            var dxs = Elements(dx);
            for (int i = start; i < end; i++)
            {
                var row = xs.Slice(i * cols, cols);
                var dyrow = dys.Slice(i * cols, cols);
                var dxrow = dxs.Slice(i * cols, cols);
                float r = rs[i], dot = 0f;
                for (int j = 0; j < cols; j++)
                {
                    dot += ws[j] * dyrow[j] * row[j];
                }
                float c = r * r * r * dot / cols;
                for (int j = 0; j < cols; j++)
                {
                    float g = (r * ws[j] * dyrow[j]) - (row[j] * c);
                    dxrow[j] = beta == 0f ? g : (beta * dxrow[j]) + g;
                }
            }
        });
        // The weight's gradient sums over rows: one thread, rows in order, so it does not depend on the split.
        var xs = Elements(x);
        var rs = Elements(rstd);
        var dys = Elements(dy);
        var dws = Elements(dWeight);
        for (int i = 0; i < rows; i++)
        {
            var row = xs.Slice(i * cols, cols);
            var dyrow = dys.Slice(i * cols, cols);
            float r = rs[i];
            for (int j = 0; j < cols; j++)
            {
                dws[j] += dyrow[j] * (row[j] * r);
            }
        }
    }

    internal static partial class Reference
    {
        /// <summary>
        /// RMSNorm of x (rows×cols): rstd[i] = 1 / sqrt(mean_j x[i, j]² + eps), the mean summed in
        /// double; output[i, j] = weight[j] · (x[i, j] · rstd[i]).
        /// </summary>
        public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float eps, Span<float> output, Span<float> rstd, int rows, int cols)
        {
            for (int i = 0; i < rows; i++)
            {
                double sum = 0;
                for (int j = 0; j < cols; j++)
                {
                    sum += (double)x[(i * cols) + j] * x[(i * cols) + j];
                }
                float r = (float)(1 / Math.Sqrt((sum / cols) + eps));
                rstd[i] = r;
                for (int j = 0; j < cols; j++)
                {
                    output[(i * cols) + j] = weight[j] * (x[(i * cols) + j] * r);
                }
            }
        }

        /// <summary>
        /// RMSNorm's gradient, in double: dx = beta·dx + r·weight⊙dy − x·r³·(1/cols)·Σ_j weight[j]·dy[j]·x[j]
        /// per row (r = rstd[i]); dWeight[j] += Σ_i dy[i, j]·x[i, j]·rstd[i]. beta = 0 does not read dx.
        /// </summary>
        public static void RmsNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> rstd, ReadOnlySpan<float> dy,
            Span<float> dx, Span<float> dWeight, float beta, int rows, int cols)
        {
            for (int i = 0; i < rows; i++)
            {
                double r = rstd[i], dot = 0;
                for (int j = 0; j < cols; j++)
                {
                    dot += (double)weight[j] * dy[(i * cols) + j] * x[(i * cols) + j];
                }
                for (int j = 0; j < cols; j++)
                {
                    int e = (i * cols) + j;
                    double g = (r * weight[j] * dy[e]) - (x[e] * r * r * r * dot / cols);
                    dx[e] = (float)(beta == 0f ? g : (beta * (double)dx[e]) + g);
                }
            }
            for (int j = 0; j < cols; j++)
            {
                double sum = dWeight[j];
                for (int i = 0; i < rows; i++)
                {
                    sum += (double)dy[(i * cols) + j] * x[(i * cols) + j] * rstd[i];
                }
                dWeight[j] = (float)sum;
            }
        }
    }
}
