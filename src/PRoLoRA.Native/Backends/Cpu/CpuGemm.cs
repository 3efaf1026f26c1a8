namespace PRoLoRA.Native.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM on the CPU: C = alpha · op(A) · op(B) + beta · C.
/// A reference loop for now; the packed SIMD kernel replaces its body.
/// </summary>
internal static class CpuGemm
{
    /// <summary>
    /// op(A) is M×K: A[i, p] at a[aOffset + i·lda + p], or transposed (transA) at a[aOffset + p·lda + i].
    /// op(B) is K×N likewise with ldb; C is M×N at c[cOffset + i·ldc + j].
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float[] a, long aOffset, int lda, float[] b, long bOffset, int ldb, float beta, float[] c, long cOffset, int ldc)
    {
        Parallel.For(0, m, i =>
        {
            var acc = new float[n];
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[aOffset + ((long)p * lda) + i] : a[aOffset + ((long)i * lda) + p];
                for (int j = 0; j < n; j++)
                {
                    float bv = transB ? b[bOffset + ((long)j * ldb) + p] : b[bOffset + ((long)p * ldb) + j];
                    acc[j] += av * bv;
                }
            }
            long row = cOffset + ((long)i * ldc);
            for (int j = 0; j < n; j++)
            {
                c[row + j] = beta == 0f ? alpha * acc[j] : (alpha * acc[j]) + (beta * c[row + j]);
            }
        });
    }
}
