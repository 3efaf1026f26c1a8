using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// GEMM through cuBLAS. cuBLAS is column-major and a row-major matrix is its transpose in column-major,
/// so the row-major C = op(A)·op(B) is computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: B goes first,
/// m and n swap, and a transposed row-major view (unit stride down its columns) is simply a
/// non-transposed column-major matrix.
/// </summary>
public sealed partial class CudaBackend
{
    /// <inheritdoc/>
    public void Gemm(Tensor a, Tensor b, Tensor c, float alpha = 1f, float beta = 0f)
    {
        ThrowIfDisposed();
        var (m, n, k) = OpChecks.Gemm(this, a, b, c);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (b.DType != TensorDType.Float32)
        {
            GemmQuantized(a, b, c, m, n, k, alpha, beta);
            return;
        }
        // A row-major X is cuBLAS's column-major Xᵀ (no transpose); a transposed view is X itself in
        // column-major (transpose it): Layouts.Of's flag is cuBLAS's op, its leading dimension cuBLAS's ld.
        var (bTransposed, ldb) = Layouts.Of(b);
        var (aTransposed, lda) = Layouts.Of(a);
        _device.Sgemm(bTransposed, aTransposed, n, m, k, alpha, Ptr(b), ldb, Ptr(a), lda, beta, Ptr(c), n);
    }

    /// <inheritdoc/>
    /// <remarks>One cublasSgemmStridedBatched, mapped as <see cref="Gemm"/>; c's leading dimension is its row stride.</remarks>
    public void GemmStridedBatched(int batch, Tensor a, long strideA, Tensor b, long strideB, Tensor c, long strideC, float alpha = 1f, float beta = 0f)
    {
        ThrowIfDisposed();
        var (m, n, k) = OpChecks.GemmStridedBatched(this, batch, a, strideA, b, strideB, c, strideC);
        if (batch == 0 || m == 0 || n == 0)
        {
            return;
        }
        var (bTransposed, ldb) = Layouts.Of(b);
        var (aTransposed, lda) = Layouts.Of(a);
        _device.SgemmStridedBatched(bTransposed, aTransposed, n, m, k, alpha, Ptr(b), ldb, strideB, Ptr(a), lda, strideA, beta, Ptr(c), c.Strides[0], strideC, batch);
    }
}
