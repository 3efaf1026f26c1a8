// The C ABI of libprolora_host_kernels.so: the kernels of cuda/ run on the CPU (see cuda/README.md).
#ifndef PROLORA_HOST_KERNELS_H
#define PROLORA_HOST_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

#define PROLORA_HOST_API __attribute__((visibility("default")))

// Launches kernel `kernel` (its extern "C" name in cuda/) on a 1-D grid of grid_x blocks of
// block_x threads; args holds one pointer to each argument's value, as cuLaunchKernel's
// kernelParams. Returns 0, or -1 when no kernel has that name.
PROLORA_HOST_API int prolora_host_launch(const char* kernel, int grid_x, int block_x, void** args);

// cuBLAS SGEMM semantics, column-major: C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n,
// C m×n; transa/transb nonzero means transposed (CUBLAS_OP_T). beta == 0 does not read C.
PROLORA_HOST_API void prolora_host_sgemm(int transa, int transb, int m, int n, int k, float alpha,
                                         const float* a, int lda, const float* b, int ldb, float beta,
                                         float* c, int ldc);

#ifdef __cplusplus
}
#endif

#endif
