using PRoLoRA.Native.Tensors;

namespace PRoLoRA.Native.Backends.Cuda;

/// <summary>
/// GEMM with a quantised b: the stored W is widened a tile of rows at a time into one bounded scratch
/// block (<see cref="QuantizedTileFloats"/>) and each tile is one cuBLAS SGEMM, mapped to column-major
/// as in CudaBackend.Gemm.cs. With b = Wᵀ (forward, c = a·Wᵀ) rows [r0, r1) of W are columns
/// [r0, r1) of c; with b = W (backward, c = a·W) they are a slice of k, accumulated into c.
/// </summary>
public sealed partial class CudaBackend
{
    /// <summary>c = alpha·a·b + beta·c for a checked quantised b (m, n ≥ 1).</summary>
    private void GemmQuantized(Tensor a, Tensor b, Tensor c, int m, int n, int k, float alpha, float beta)
    {
        var q = (CudaQuantizedStorage)b.Storage;
        var (aTransposed, lda) = Layouts.Of(a);
        IntPtr pa = Ptr(a), pc = Ptr(c);
        if (q.Rows == 0)
        {
            // b = W with k = 0: no tile; cuBLAS with k = 0 leaves c = beta·c (0 when beta = 0).
            _device.Sgemm(false, aTransposed, n, m, 0, alpha, pc, n, pa, lda, beta, pc, n);
            return;
        }
        bool forward = IsTransposedView(b, q);
        int tileRows = Math.Min(TileRows(q.Cols), q.Rows);
        using var tile = Rent((long)tileRows * q.Cols * sizeof(float));
        for (int r0 = 0; r0 < q.Rows; r0 += tileRows)
        {
            int rows = Math.Min(tileRows, q.Rows - r0);
            Dequantize(q, r0, rows, tile.Pointer);
            if (forward)
            {
                // c[:, r0:r0+rows] (m×rows, row stride n) = alpha·a·Tᵀ + beta·c: in column-major, T (row-major
                // rows×k) is Tᵀ, transposed back by cuBLAS.
                _device.Sgemm(true, aTransposed, rows, m, k, alpha, tile.Pointer, Math.Max(k, 1), pa, lda, beta, pc + (nint)((long)r0 * sizeof(float)), n);
            }
            else
            {
                // c += alpha·a[:, r0:r0+rows]·T (T rows×n, row-major); the first tile applies beta.
                IntPtr slice = pa + (nint)((long)r0 * a.Strides[1] * sizeof(float));
                _device.Sgemm(false, aTransposed, n, m, rows, alpha, tile.Pointer, n, slice, lda, r0 == 0 ? beta : 1f, pc, n);
            }
        }
    }
}
