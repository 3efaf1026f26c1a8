using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>GEMM through <see cref="CpuGemm"/> (the twin of CudaBackend.Gemm.cs, which calls cuBLAS).</summary>
public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void Gemm(Tensor a, Tensor b, Tensor c, float alpha = 1f, float beta = 0f)
    {
        var (m, n, k) = OpChecks.Gemm(this, a, b, c);
        if (b.DType != TensorDType.Float32)
        {
            // The whole stored matrix or its transpose (OpChecks): widened while B is packed.
            CpuGemm.Multiply(m, n, k, alpha, Matrix(a), Quantized(b), IsTransposedView(b), beta, new GemmMatrix(Data(c), c.Offset, c.Strides[0], false));
            return;
        }
        CpuGemm.Multiply(m, n, k, alpha, Matrix(a), Matrix(b), beta, new GemmMatrix(Data(c), c.Offset, c.Strides[0], false));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One <see cref="CpuGemm"/> product per item, each split over the cores as a single product is; items too
    /// small to split run side by side instead, one per thread (the same results either way).
    /// </remarks>
    public void GemmStridedBatched(int batch, Tensor a, long strideA, Tensor b, long strideB, Tensor c, long strideC, float alpha = 1f, float beta = 0f)
    {
        var (m, n, k) = OpChecks.GemmStridedBatched(this, batch, a, strideA, b, strideB, c, strideC);
        GemmMatrix ma = Matrix(a), mb = Matrix(b), mc = new(Data(c), c.Offset, c.Strides[0], false);
        if (CpuGemm.RunsOnOneThread(m, n, k))
        {
            // Small products (attention's heads at short lengths): one item per thread instead.
            CpuGemm.MultiplyEach(batch, m, n, k, alpha, beta, i => (ma with { Offset = ma.Offset + (i * strideA) },
                mb with { Offset = mb.Offset + (i * strideB) }, mc with { Offset = mc.Offset + (i * strideC) }));
            return;
        }
        for (int i = 0; i < batch; i++)
        {
            CpuGemm.Multiply(m, n, k, alpha, ma with { Offset = ma.Offset + (i * strideA) }, mb with { Offset = mb.Offset + (i * strideB) },
                beta, mc with { Offset = mc.Offset + (i * strideC) });
        }
    }

    /// <summary>A checked matrix view as CpuGemm takes it.</summary>
    private static GemmMatrix Matrix(Tensor t)
    {
        var (transposed, ld) = Layouts.Of(t);
        return new GemmMatrix(Data(t), t.Offset, ld, transposed);
    }

    internal static partial class Reference
    {
        /// <summary>c (m×n) = alpha · a (m×k) · b (k×n) + beta · c, summed in double; beta = 0 does not read c.</summary>
        public static void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, float alpha, float beta)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        sum += (double)a[(i * k) + p] * b[(p * n) + j];
                    }
                    c[(i * n) + j] = (float)((alpha * sum) + (beta == 0f ? 0 : beta * (double)c[(i * n) + j]));
                }
            }
        }

        /// <summary>
        /// <see cref="Gemm"/> for each of <paramref name="batch"/> items stored one after another:
        /// a (batch × m×k), b (batch × k×n), c (batch × m×n), row-major.
        /// </summary>
        public static void GemmStridedBatched(float[] a, float[] b, float[] c, int batch, int m, int n, int k, float alpha, float beta)
        {
            for (int i = 0; i < batch; i++)
            {
                Gemm(a.AsSpan(i * m * k, m * k), b.AsSpan(i * k * n, k * n), c.AsSpan(i * m * n, m * n), m, n, k, alpha, beta);
            }
        }
    }
}
