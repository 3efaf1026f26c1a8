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
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(c);
        OpChecks.Gemm(this, a, b, c);
        int m = c.Shape[0], n = c.Shape[1], k = a.Shape[1];
        if (m == 0 || n == 0)
        {
            return;
        }
        var (bTransposed, ldb) = ColumnMajor(b);
        var (aTransposed, lda) = ColumnMajor(a);
        _device.Sgemm(bTransposed, aTransposed, n, m, k, alpha, Ptr(b, nameof(b)), ldb, Ptr(a, nameof(a)), lda, beta, Ptr(c, nameof(c)), n);
    }

    /// <summary>
    /// How cuBLAS sees a checked row-major view X (R×C) when it needs Xᵀ: a row-major X is the column-major
    /// C×R matrix Xᵀ (no transpose, leading dimension = row stride); a transposed view is the column-major
    /// R×C matrix X itself (transpose it, leading dimension = column stride).
    /// </summary>
    internal static (bool Transpose, int Ld) ColumnMajor(Tensor x)
    {
        int rows = x.Shape[0], cols = x.Shape[1];
        if (x.Strides[1] == 1 && x.Strides[0] >= Math.Max(cols, 1))
        {
            return (false, Math.Max(x.Strides[0], Math.Max(cols, 1)));
        }
        return (true, Math.Max(x.Strides[1], Math.Max(rows, 1)));
    }
}
