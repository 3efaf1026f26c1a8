using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>
/// A cublasHandle_t bound to one stream; released with cublasDestroy. It belongs to the context it was
/// created in, like the driver's objects: destroyed with that context current (also from a finalizer),
/// and the context is not released before it.
/// </summary>
internal sealed unsafe class CublasHandle : ContextBoundHandle
{
    private CublasHandle(ContextHandle context) : base(context)
    {
    }

    /// <summary>Creates a handle in <paramref name="context"/> (current on the calling thread) and binds it to <paramref name="stream"/>.</summary>
    public static CublasHandle Create(ContextHandle context, StreamHandle stream)
    {
        CudaLibraries.Cublas.EnsureFound();
        var blas = new CublasHandle(context);
        IntPtr value;
        int status = CublasApi.Create(&value);
        if (status != 0)
        {
            blas.Abandon();
            CudaCheck.Cublas(status, "cublasCreate_v2");
        }
        blas.Set(value);
        try
        {
            CudaCheck.Cublas(CublasApi.SetStream(value, stream.DangerousGetHandle()), "cublasSetStream_v2");
        }
        catch
        {
            blas.Dispose();
            throw;
        }
        return blas;
    }

    /// <summary>Column-major C = alpha·op(A)·op(B) + beta·C (cublasSgemm).</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc) =>
        CudaCheck.Cublas(CublasApi.Sgemm(handle, transA ? CublasApi.OpT : CublasApi.OpN, transB ? CublasApi.OpT : CublasApi.OpN,
            m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc), "cublasSgemm_v2");

    /// <summary>Column-major C_i = alpha·op(A_i)·op(B_i) + beta·C_i for batch items a stride apart (cublasSgemmStridedBatched).</summary>
    public void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB,
        float beta, IntPtr c, int ldc, long strideC, int batch) =>
        CudaCheck.Cublas(CublasApi.SgemmStridedBatched(handle, transA ? CublasApi.OpT : CublasApi.OpN, transB ? CublasApi.OpT : CublasApi.OpN,
            m, n, k, &alpha, a, lda, strideA, b, ldb, strideB, &beta, c, ldc, strideC, batch), "cublasSgemmStridedBatched");

    /// <inheritdoc/>
    protected override bool Release(IntPtr value) => CublasApi.Destroy(value) == 0;
}
