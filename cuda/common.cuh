// Helpers shared by every kernel. Only our own headers may be included: NVRTC has no CUDA headers
// here, and the host shim (cuda/host/) compiles these files as C++.
#ifndef PROLORA_COMMON_CUH
#define PROLORA_COMMON_CUH

// Threads per block of every launch (cuda/README.md: 1-D grid, grid = ceil(threads / 256)).
#define PROLORA_BLOCK 256

// The global 1-D index of this thread.
__device__ __forceinline__ int thread_index() {
    return (int)(blockIdx.x * blockDim.x + threadIdx.x);
}

// Offset of element (i, j) of a strided 2-D view, in 64 bits so big views cannot overflow.
__device__ __forceinline__ long long at2(int i, int j, int s0, int s1) {
    return (long long)i * s0 + (long long)j * s1;
}

#endif
