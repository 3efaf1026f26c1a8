// Kernels that test the host shim itself (built into the host library only, never shipped or
// compiled by NVRTC): the block model working (shared memory, barriers, warp operations, 3-D
// grids, atomics) and, prefixed planted_, one bug per sanitizer detector, which it must catch.
#include "../common.cuh"

// out[block] = Σ x over the block's slice, by a shared-memory tree reduction (blockDim.x a power of 2).
extern "C" __global__ void shim_block_sum(const float* x, float* out, int n) {
    PROLORA_SHARED(float, partial, 1024);
    int t = (int)threadIdx.x;
    int i = (int)(blockIdx.x * blockDim.x) + t;
    partial[t] = i < n ? x[i] : 0.0f;
    __syncthreads();
    for (int stride = (int)blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) {
            partial[t] = partial[t] + partial[t + stride];
        }
        __syncthreads();
    }
    if (t == 0) {
        out[blockIdx.x] = partial[0];
    }
}

// out[warp] = Σ x over each warp's 32 values, by __shfl_down_sync; votes[warp] = __ballot_sync of x > 0.
extern "C" __global__ void shim_warp_sum(const float* x, float* out, unsigned* votes) {
    int t = (int)threadIdx.x;
    float v = x[t];
    unsigned ballot = __ballot_sync(0xffffffffu, v > 0.0f);
    for (int offset = 16; offset > 0; offset /= 2) {
        v += __shfl_down_sync(0xffffffffu, v, offset);
    }
    float everyone = __shfl_sync(0xffffffffu, v, 0);
    float mirrored = __shfl_xor_sync(0xffffffffu, everyone, 1);
    if (t % 32 == 0) {
        out[t / 32] = mirrored;
        votes[t / 32] = ballot;
    }
}

// Every thread of a 3-D grid of 3-D blocks writes its global coordinates into its own cell.
extern "C" __global__ void shim_coordinates(int* cells) {
    int x = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    int y = (int)(blockIdx.y * blockDim.y + threadIdx.y);
    int z = (int)(blockIdx.z * blockDim.z + threadIdx.z);
    int width = (int)(gridDim.x * blockDim.x), height = (int)(gridDim.y * blockDim.y);
    cells[(z * height + y) * width + x] = x + 100 * y + 10000 * z;
}

// Reverses each block's slice through dynamic shared memory; counts the threads with atomicAdd.
extern "C" __global__ void shim_reverse(const float* x, float* out, int* count) {
    PROLORA_DYNAMIC_SHARED(float, buffer);
    int t = (int)threadIdx.x, base = (int)(blockIdx.x * blockDim.x);
    buffer[t] = x[base + t];
    __syncthreads();
    out[base + t] = buffer[(int)blockDim.x - 1 - t];
    atomicAdd(count, 1);
}

// Thread 0 writes one element past the end of x.
extern "C" __global__ void planted_out_of_bounds(float* x, int n) {
    if (threadIdx.x == 0) {
        x[n] = 1.0f;
    }
}

// Half the block waits at a barrier the other half never reaches.
extern "C" __global__ void planted_divergent_barrier(float* x) {
    if (threadIdx.x < 16) {
        __syncthreads();
    }
    x[threadIdx.x] = 1.0f;
}

// Each thread reads its neighbour's element without a barrier after the writes.
extern "C" __global__ void planted_shared_race(float* out) {
    PROLORA_SHARED(float, cells, 64);
    int t = (int)threadIdx.x;
    cells[t] = (float)t;
    out[t] = cells[(t + 1) % (int)blockDim.x];
}

// Reads one element past the end of a static shared array.
extern "C" __global__ void planted_shared_out_of_bounds(float* out) {
    PROLORA_SHARED(float, cells, 32);
    int t = (int)threadIdx.x;
    cells[t] = 1.0f;
    __syncthreads();
    out[t] = cells[t + 1];
}

// Half the warp exits, the other half shuffles with a full mask.
extern "C" __global__ void planted_warp_exit(float* out) {
    int t = (int)threadIdx.x;
    if (t >= 16) {
        return;
    }
    out[t] = __shfl_down_sync(0xffffffffu, (float)t, 1);
}
