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

#endif
