// A plain, correct SGEMM with cuBLAS's column-major semantics, standing in for cuBLAS in the tests.
#include "prolora_host_kernels.h"

extern "C" void prolora_host_sgemm(int transa, int transb, int m, int n, int k, float alpha,
                                   const float* a, int lda, const float* b, int ldb, float beta,
                                   float* c, int ldc) {
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < m; i++) {
            // op(A)[i, p] and op(B)[p, j], column-major with leading dimensions lda and ldb.
            float acc = 0.0f;
            for (int p = 0; p < k; p++) {
                float av = transa ? a[static_cast<long long>(i) * lda + p] : a[i + static_cast<long long>(p) * lda];
                float bv = transb ? b[j + static_cast<long long>(p) * ldb] : b[p + static_cast<long long>(j) * ldb];
                acc += av * bv;
            }
            float* out = c + i + static_cast<long long>(j) * ldc;
            *out = beta == 0.0f ? alpha * acc : alpha * acc + beta * *out;
        }
    }
}

extern "C" void prolora_host_sgemm_strided_batched(int transa, int transb, int m, int n, int k, float alpha,
                                                   const float* a, int lda, long long stride_a, const float* b, int ldb, long long stride_b,
                                                   float beta, float* c, int ldc, long long stride_c, int batch) {
    for (int i = 0; i < batch; i++) {
        prolora_host_sgemm(transa, transb, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta, c + i * stride_c, ldc);
    }
}
