using System.Runtime.InteropServices;

namespace PRoLoRA.Native.Cuda.Interop;

/// <summary>
/// Raw bindings of cuBLAS (libcublas), column-major. Every function but GetStatusName returns a
/// cublasStatus_t (0 = success). The <c>_v2</c> exported names are used where cuBLAS has them.
/// </summary>
internal static unsafe partial class CublasApi
{
    public const int OpN = 0;
    public const int OpT = 1;

    /// <summary>cudaDataType_t values.</summary>
    public const int DataR32F = 0;
    public const int DataR16F = 2;
    public const int DataR16BF = 14;

    /// <summary>cublasComputeType_t: fp32 accumulate.</summary>
    public const int Compute32F = 68;

    /// <summary>cublasGemmAlgo_t: the default heuristic.</summary>
    public const int GemmDefault = -1;

    /// <summary>libraryPropertyType values for cublasGetProperty.</summary>
    public const int PropertyMajor = 0;
    public const int PropertyMinor = 1;
    public const int PropertyPatch = 2;

    static CublasApi() => CudaLibraries.RegisterResolver();

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasGetStatusName")]
    public static partial byte* GetStatusName(int status);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasGetProperty")]
    public static partial int GetProperty(int property, int* value);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasCreate_v2")]
    public static partial int Create(IntPtr* handle);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasDestroy_v2")]
    public static partial int Destroy(IntPtr handle);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasSetStream_v2")]
    public static partial int SetStream(IntPtr handle, IntPtr stream);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasSgemm_v2")]
    public static partial int Sgemm(IntPtr handle, int transA, int transB, int m, int n, int k,
        float* alpha, IntPtr a, int lda, IntPtr b, int ldb, float* beta, IntPtr c, int ldc);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasSgemmStridedBatched")]
    public static partial int SgemmStridedBatched(IntPtr handle, int transA, int transB, int m, int n, int k,
        float* alpha, IntPtr a, int lda, long strideA, IntPtr b, int ldb, long strideB, float* beta, IntPtr c, int ldc, long strideC, int batchCount);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasGemmEx")]
    public static partial int GemmEx(IntPtr handle, int transA, int transB, int m, int n, int k,
        void* alpha, IntPtr a, int aType, int lda, IntPtr b, int bType, int ldb, void* beta, IntPtr c, int cType, int ldc,
        int computeType, int algo);

    [LibraryImport(LibraryNames.Cublas, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static partial int GemmStridedBatchedEx(IntPtr handle, int transA, int transB, int m, int n, int k,
        void* alpha, IntPtr a, int aType, int lda, long strideA, IntPtr b, int bType, int ldb, long strideB,
        void* beta, IntPtr c, int cType, int ldc, long strideC, int batchCount, int computeType, int algo);
}
