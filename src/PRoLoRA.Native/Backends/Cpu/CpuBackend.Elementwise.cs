using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>The elementwise ops (the twins of cuda/elementwise.cu), vectorised with TensorPrimitives where it has the op.</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Fill(Tensor x, float value)
    {
        OpChecks.Fill(this, x);
        Elements(x).Fill(value);
    }

    /// <inheritdoc/>
    public void Axpby(float alpha, Tensor x, float beta, Tensor y)
    {
        OpChecks.Axpby(this, x, y);
        var xs = Elements(x);
        var ys = Elements(y);
        if (beta == 0f)
        {
            TensorPrimitives.Multiply(xs, alpha, ys);
            return;
        }
        for (int i = 0; i < ys.Length; i++)
        {
            ys[i] = (alpha * xs[i]) + (beta * ys[i]);
        }
    }

    /// <inheritdoc/>
    public void Mul(Tensor a, Tensor b, Tensor output)
    {
        OpChecks.Mul(this, a, b, output);
        TensorPrimitives.Multiply(Elements(a), Elements(b), Elements(output));
    }

    /// <inheritdoc/>
    public void Dropout(Tensor x, float p, ulong seed, Tensor mask, Tensor output)
    {
        OpChecks.Dropout(this, x, p, mask, output);
        Reference.Dropout(Elements(x), p, seed, Elements(mask), Elements(output));
    }

    /// <inheritdoc/>
    public void AddRowVector(Tensor x, Tensor bias, Tensor output)
    {
        var (rows, cols) = OpChecks.AddRowVector(this, x, bias, output);
        var xs = Elements(x);
        var bs = Elements(bias);
        var os = Elements(output);
        for (int i = 0; i < rows; i++)
        {
            TensorPrimitives.Add(xs.Slice(i * cols, cols), bs, os.Slice(i * cols, cols));
        }
    }

    /// <inheritdoc/>
    public void Relu(Tensor x, Tensor output)
    {
        OpChecks.Unary(this, x, output);
        TensorPrimitives.Max(Elements(x), 0f, Elements(output));
    }

    /// <inheritdoc/>
    public void ReluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        OpChecks.UnaryBackward(this, x, dy, dx);
        Reference.ReluBackward(Elements(x), Elements(dy), Elements(dx), beta);
    }

    /// <inheritdoc/>
    public void Silu(Tensor x, Tensor output)
    {
        OpChecks.Unary(this, x, output);
        var os = Elements(output);
        TensorPrimitives.Sigmoid(Elements(x), os);
        TensorPrimitives.Multiply(Elements(x), os, os);
    }

    /// <inheritdoc/>
    public void SiluBackward(Tensor x, Tensor dy, Tensor dx, float beta)
    {
        OpChecks.UnaryBackward(this, x, dy, dx);
        Reference.SiluBackward(Elements(x), Elements(dy), Elements(dx), beta);
    }

    internal static partial class Reference
    {
        /// <summary>x[i] = value.</summary>
        public static void Fill(Span<float> x, float value)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = value;
            }
        }

        /// <summary>y = alpha·x + beta·y; beta = 0 does not read y.</summary>
        public static void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y)
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = (alpha * x[i]) + (beta == 0f ? 0f : beta * y[i]);
            }
        }

        /// <summary>output = a ⊙ b.</summary>
        public static void Mul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> output)
        {
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = a[i] * b[i];
            }
        }

        /// <summary>mask[i] = keep(seed, i) ? 1/(1−p) : 0 (<see cref="DropoutRng"/>); output = x ⊙ mask.</summary>
        public static void Dropout(ReadOnlySpan<float> x, float p, ulong seed, Span<float> mask, Span<float> output)
        {
            float keepScale = 1f / (1f - p);
            for (int i = 0; i < x.Length; i++)
            {
                mask[i] = DropoutRng.Keep(seed, (ulong)i, p) ? keepScale : 0f;
                output[i] = x[i] * mask[i];
            }
        }

        /// <summary>output[i, j] = x[i, j] + bias[j] (x and output rows×cols).</summary>
        public static void AddRowVector(ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> output, int rows, int cols)
        {
            for (int i = 0; i < rows * cols; i++)
            {
                output[i] = x[i] + bias[i % cols];
            }
        }

        /// <summary>output = max(x, 0): NaN stays NaN, −0 becomes +0 (IEEE maximum, as torch.relu).</summary>
        public static void Relu(ReadOnlySpan<float> x, Span<float> output)
        {
            for (int i = 0; i < x.Length; i++)
            {
                output[i] = MathF.Max(x[i], 0f);
            }
        }

        /// <summary>dx = beta·dx + dy ⊙ [x &gt; 0]; beta = 0 does not read dx.</summary>
        public static void ReluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta)
        {
            for (int i = 0; i < x.Length; i++)
            {
                float g = x[i] > 0f ? dy[i] : 0f;
                dx[i] = beta == 0f ? g : (beta * dx[i]) + g;
            }
        }

        /// <summary>output = x · σ(x) = x / (1 + e^(−x)).</summary>
        public static void Silu(ReadOnlySpan<float> x, Span<float> output)
        {
            for (int i = 0; i < x.Length; i++)
            {
                output[i] = x[i] / (1f + MathF.Exp(-x[i]));
            }
        }

        /// <summary>dx = beta·dx + dy · σ(x) · (1 + x · (1 − σ(x))); beta = 0 does not read dx.</summary>
        public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, float beta)
        {
            for (int i = 0; i < x.Length; i++)
            {
                float s = 1f / (1f + MathF.Exp(-x[i]));
                float g = dy[i] * s * (1f + (x[i] * (1f - s)));
                dx[i] = beta == 0f ? g : (beta * dx[i]) + g;
            }
        }
    }
}
