// Reductions: block-wide sums in shared memory and warp shuffles, coalesced reads.
#include "common.cuh"

// out[j] = beta·out[j] + Σ_i x[i, j] over the rows of a contiguous rows×cols x (the bias gradient).
// Blocks of 32 × 8 threads own 32 columns: the 32 lanes read a row's columns side by side, the 8
// rows of threads split the rows, and shared memory adds their 8 partial sums.
extern "C" __global__ void sum_rows(const float* x, float* out, int rows, int cols, float beta) {
    PROLORA_SHARED(float, partial, 8 * 32);
    int lane = (int)threadIdx.x, part = (int)threadIdx.y;
    int j = (int)blockIdx.x * 32 + lane;
    float acc = 0.0f;
    if (j < cols) {
        for (int i = part; i < rows; i += (int)blockDim.y) {
            acc += x[(long long)i * cols + j];
        }
    }
    partial[part * 32 + lane] = acc;
    __syncthreads();
    if (part == 0 && j < cols) {
        float total = 0.0f;
        for (int k = 0; k < (int)blockDim.y; k++) {
            total += partial[k * 32 + lane];
        }
        out[j] = beta == 0.0f ? total : beta * out[j] + total;
    }
}

// partials[b] = Σ x[t]² (in double) over the elements block b's threads visit, striding by the
// whole grid so that neighbouring threads read neighbouring elements; a block reduction per block.
extern "C" __global__ void sum_of_squares(const float* x, int n, double* partials) {
    double acc = 0.0;
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        double v = (double)x[t];
        acc += v * v;
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) {
        partials[blockIdx.x] = acc;
    }
}

// *out = Σ values[0 .. count) in one block: the second pass of sum_of_squares, so one scalar goes back to the host.
extern "C" __global__ void sum_doubles(const double* values, int count, double* out) {
    double acc = 0.0;
    for (int t = (int)threadIdx.x; t < count; t += (int)blockDim.x) {
        acc += values[t];
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) {
        *out = acc;
    }
}
