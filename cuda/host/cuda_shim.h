// Makes the kernels in cuda/ compile as plain C++ so the tests can run them on the CPU.
// A launch runs every (block, thread) pair one after another on the calling thread, so kernels
// must not rely on __syncthreads, shared memory or warp shuffles (cuda/README.md).
#ifndef PROLORA_CUDA_SHIM_H
#define PROLORA_CUDA_SHIM_H

// <math.h>, not <cmath>: the kernels call expf, logf, sqrtf, fmaxf, exp and log unqualified, as
// CUDA device code does, and <math.h> declares them in the global namespace.
#include <math.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline

struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

// Thread-local so that launches made from different threads at once do not disturb each other.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

// Threads run one at a time, so an atomic add is a plain read-modify-write.
template <typename T>
inline T atomicAdd(T* address, T value) {
    T old = *address;
    *address = old + value;
    return old;
}

#endif
