// Helpers shared by every kernel. Only our own headers may be included: NVRTC has no CUDA headers
// here, and the host shim (cuda/host/) compiles these files as C++.
#ifndef PROLORA_COMMON_CUH
#define PROLORA_COMMON_CUH

// Shared memory, declared so that the host shim can check it (bounds and races between barriers):
//   PROLORA_SHARED(float, tile, 32 * 33);    a static array of the block (__shared__ float tile[32 * 33])
//   PROLORA_DYNAMIC_SHARED(float, buffer);   the launch's dynamic shared memory (extern __shared__ float buffer[])
#ifdef PROLORA_HOST
#define PROLORA_SHARED(type, name, count)        \
    static const char prolora_key_##name = 0;    \
    ::prolora_host::SharedArray<type> name(::prolora_host::static_shared(&prolora_key_##name, sizeof(type), (count)), #name)
#define PROLORA_DYNAMIC_SHARED(type, name) ::prolora_host::SharedArray<type> name(::prolora_host::dynamic_shared(sizeof(type)), #name)
#else
#define PROLORA_SHARED(type, name, count) __shared__ type name[count]
#define PROLORA_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#endif

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

// -∞ without CUDA's headers.
__device__ __forceinline__ float negative_infinity() {
    return __int_as_float((int)0xff800000u);
}

// The sum of v over the warp, in every lane (a butterfly of shuffles; the warp must be whole).
template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_xor_sync(0xffffffffu, v, offset);
    }
    return v;
}

// The maximum of v over the warp, in every lane.
__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset /= 2) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    }
    return v;
}

// The sum of v over a 1-D block (blockDim.x a multiple of 32, at most 1024), in every thread.
// Every thread of the block must call it (it holds barriers).
template <typename T>
__device__ T block_sum(T v) {
    PROLORA_SHARED(T, warp_sums, 32);
    int lane = (int)threadIdx.x % 32, warp = (int)threadIdx.x / 32;
    v = warp_sum(v);
    if (lane == 0) {
        warp_sums[warp] = v;
    }
    __syncthreads();
    T total = lane < (int)blockDim.x / 32 ? (T)warp_sums[lane] : (T)0;
    total = warp_sum(total);
    __syncthreads();  // the next call may overwrite warp_sums only after everyone has read it
    return total;
}

// The maximum of v over a 1-D block, in every thread; every thread must call it.
__device__ float block_max(float v) {
    PROLORA_SHARED(float, warp_maxima, 32);
    int lane = (int)threadIdx.x % 32, warp = (int)threadIdx.x / 32;
    v = warp_max(v);
    if (lane == 0) {
        warp_maxima[warp] = v;
    }
    __syncthreads();
    float total = lane < (int)blockDim.x / 32 ? (float)warp_maxima[lane] : negative_infinity();
    total = warp_max(total);
    __syncthreads();
    return total;
}

#endif
