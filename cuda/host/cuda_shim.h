// Makes the kernels in cuda/ compile as plain C++ so the tests can run them on the CPU, with CUDA's
// execution model (block_runtime.h): 3-D grids and blocks, each thread a fiber, __syncthreads,
// shared memory (PROLORA_SHARED in common.cuh), warp shuffles and votes, atomics. What is not here
// does not compile, rather than run wrongly: a plain __shared__, textures, cooperative groups,
// dynamic parallelism. __syncwarp orders the lanes of a warp but is no epoch of the shared-memory
// race check (use __syncthreads between phases that share memory).
#ifndef PROLORA_CUDA_SHIM_H
#define PROLORA_CUDA_SHIM_H

#define PROLORA_HOST 1

// <math.h>, not <cmath>: the kernels call expf, logf, sqrtf, fmaxf, exp and log unqualified, as
// CUDA device code does, and <math.h> declares them in the global namespace.
#include <math.h>

#include <cstdint>
#include <cstring>

#include "block_runtime.h"
#include "shared_memory.h"

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
// Shared memory goes through PROLORA_SHARED / PROLORA_DYNAMIC_SHARED (common.cuh), which the shim checks.
#define __shared__ use_PROLORA_SHARED_for_shared_memory

struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

// Set by the scheduler before it resumes each thread's fiber.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

constexpr int warpSize = 32;

#define __syncthreads() ::prolora_host::syncthreads(__FILE__, __LINE__)

namespace prolora_host {

template <typename T>
std::uint64_t bits_of(T value) {
    static_assert(sizeof(T) <= 8, "a warp shuffle moves at most 8 bytes");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    return bits;
}

template <typename T>
T value_of(std::uint64_t bits) {
    T value;
    std::memcpy(&value, &bits, sizeof(T));
    return value;
}

template <typename T>
T shuffle(WarpOp op, const char* file, int line, unsigned mask, T value, int arg, int width = 32) {
    return value_of<T>(warp_collective(op, mask, bits_of(value), arg, width, file, line));
}

inline unsigned ballot(const char* file, int line, unsigned mask, int predicate) {
    return static_cast<unsigned>(warp_collective(WarpOp::Ballot, mask, predicate != 0 ? 1u : 0u, 0, 32, file, line));
}

}  // namespace prolora_host

#define __shfl_sync(...) ::prolora_host::shuffle(::prolora_host::WarpOp::Shfl, __FILE__, __LINE__, __VA_ARGS__)
#define __shfl_up_sync(...) ::prolora_host::shuffle(::prolora_host::WarpOp::ShflUp, __FILE__, __LINE__, __VA_ARGS__)
#define __shfl_down_sync(...) ::prolora_host::shuffle(::prolora_host::WarpOp::ShflDown, __FILE__, __LINE__, __VA_ARGS__)
#define __shfl_xor_sync(...) ::prolora_host::shuffle(::prolora_host::WarpOp::ShflXor, __FILE__, __LINE__, __VA_ARGS__)
#define __ballot_sync(mask, predicate) ::prolora_host::ballot(__FILE__, __LINE__, (mask), (predicate))
#define __any_sync(mask, predicate) (::prolora_host::ballot(__FILE__, __LINE__, (mask), (predicate)) != 0u)
#define __all_sync(mask, predicate) (::prolora_host::ballot(__FILE__, __LINE__, (mask), (predicate)) == ((mask) & ::prolora_host::active_mask()))

inline unsigned __activemask() { return ::prolora_host::active_mask(); }

inline void __syncwarp(unsigned mask = 0xffffffffu) {
    ::prolora_host::warp_collective(::prolora_host::WarpOp::Sync, mask & ::prolora_host::active_mask(), 0, 0, 32, "__syncwarp", 0);
}

// Atomics: fibers switch only at barriers and warp operations, so a read-modify-write is atomic here.
template <typename T>
inline T atomicAdd(T* address, T value) {
    T old = *address;
    *address = old + value;
    return old;
}

template <typename T>
inline T atomicMax(T* address, T value) {
    T old = *address;
    *address = old < value ? value : old;
    return old;
}

template <typename T>
inline T atomicMin(T* address, T value) {
    T old = *address;
    *address = value < old ? value : old;
    return old;
}

template <typename T>
inline T atomicCAS(T* address, T compare, T value) {
    T old = *address;
    *address = old == compare ? value : old;
    return old;
}

template <typename T>
inline T atomicExch(T* address, T value) {
    T old = *address;
    *address = value;
    return old;
}

inline int __float_as_int(float x) { return ::prolora_host::value_of<int>(::prolora_host::bits_of(x)); }
inline float __int_as_float(int x) { return ::prolora_host::value_of<float>(::prolora_host::bits_of(x)); }
inline unsigned __float_as_uint(float x) { return ::prolora_host::value_of<unsigned>(::prolora_host::bits_of(x)); }
inline float __uint_as_float(unsigned x) { return ::prolora_host::value_of<float>(::prolora_host::bits_of(x)); }

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }

// Round-to-nearest multiply and add that CUDA never fuses into an FMA; C++17 (ISO mode, no
// -ffp-contract=fast) does not contract them here either.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }

// CUDA's device min/max overloads.
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }

#endif
