using Microsoft.Win32.SafeHandles;
using PRoLoRA.Native.Cuda.Interop;

namespace PRoLoRA.Native.Cuda.Handles;

/// <summary>A cublasHandle_t bound to one stream; released with cublasDestroy.</summary>
internal sealed unsafe class CublasHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private CublasHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>Creates a handle in the current context and binds it to <paramref name="stream"/>.</summary>
    public static CublasHandle Create(StreamHandle stream)
    {
        CudaLibraries.Cublas.EnsureFound();
        var blas = new CublasHandle();
        IntPtr value;
        CudaCheck.Cublas(CublasApi.Create(&value), "cublasCreate_v2");
        blas.SetHandle(value);
        CudaCheck.Cublas(CublasApi.SetStream(value, stream.DangerousGetHandle()), "cublasSetStream_v2");
        return blas;
    }

    /// <summary>Column-major C = alpha·op(A)·op(B) + beta·C (cublasSgemm).</summary>
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, IntPtr a, int lda, IntPtr b, int ldb, float beta, IntPtr c, int ldc) =>
        CudaCheck.Cublas(CublasApi.Sgemm(handle, transA ? CublasApi.OpT : CublasApi.OpN, transB ? CublasApi.OpT : CublasApi.OpN,
            m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc), "cublasSgemm_v2");

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => CublasApi.Destroy(handle) == 0;
}
