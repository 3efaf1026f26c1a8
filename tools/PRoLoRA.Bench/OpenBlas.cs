using System.Runtime.InteropServices;

namespace PRoLoRA.Bench;

/// <summary>OpenBLAS's cblas_sgemm, the baseline the GEMM benchmark compares with (benchmark only).</summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>Whether the library loads; otherwise <paramref name="reason"/> says what to install.</summary>
    public static bool TryLoad(out string reason)
    {
        if (NativeLibrary.TryLoad(Library, out _))
        {
            reason = "";
            return true;
        }
        reason = $"{Library} not found: install OpenBLAS (Debian: apt-get install libopenblas0) to compare with it";
        return false;
    }

    /// <summary>Row-major C = alpha · op(A) · op(B) + beta · C, arguments as CpuGemm's.</summary>
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float[] a, int lda, float[] b, int ldb, float beta, float[] c, int ldc)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            cblas_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    [LibraryImport(Library)]
    private static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
