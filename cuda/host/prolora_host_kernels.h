// The C ABI of libprolora_host_kernels.so: the kernels of cuda/ run on the CPU (see cuda/README.md).
#ifndef PROLORA_HOST_KERNELS_H
#define PROLORA_HOST_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROLORA_HOST_API __attribute__((visibility("default")))

// Launches kernel `kernel` (its extern "C" name in cuda/) on a grid[3] of block[3] threads with
// shared_bytes of dynamic shared memory; args holds one pointer to each argument's value, as
// cuLaunchKernel's kernelParams. Returns 0 when it ran, -1 when no kernel has that name, -2 when
// the launch failed: error (of error_capacity bytes, NUL-terminated) then says where and why (an
// invalid memory access, a divergent barrier, a shared-memory race, ...).
PROLORA_HOST_API int prolora_host_launch(const char* kernel, const unsigned* grid, const unsigned* block, unsigned shared_bytes, void** args,
                                         char* error, int error_capacity);

// "Device" memory: each allocation ends flush against an inaccessible guard page and is unmapped on
// free, so out-of-bounds and use-after-free accesses by a kernel are caught and reported.
PROLORA_HOST_API void* prolora_host_malloc(size_t bytes);
PROLORA_HOST_API void prolora_host_free(void* pointer);

// cuBLAS SGEMM semantics, column-major: C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n,
// C m×n; transa/transb nonzero means transposed (CUBLAS_OP_T). beta == 0 does not read C.
PROLORA_HOST_API void prolora_host_sgemm(int transa, int transb, int m, int n, int k, float alpha,
                                         const float* a, int lda, const float* b, int ldb, float beta,
                                         float* c, int ldc);

// cuBLAS's cublasSgemmStridedBatched: for i in [0, batch), prolora_host_sgemm on A + i·stride_a,
// B + i·stride_b and C + i·stride_c (strides in elements).
PROLORA_HOST_API void prolora_host_sgemm_strided_batched(int transa, int transb, int m, int n, int k, float alpha,
                                                         const float* a, int lda, long long stride_a, const float* b, int ldb, long long stride_b,
                                                         float beta, float* c, int ldc, long long stride_c, int batch);

#ifdef __cplusplus
}
#endif

#endif
