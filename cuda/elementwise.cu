// Elementwise kernels: one thread per output element, 1-D grid, guarded by t < n.
// Where an op takes beta, beta == 0 writes the output without reading it.
#include "common.cuh"
#include "rng.cuh"

// x[t] = value.
extern "C" __global__ void fill(float* x, int n, float value) {
    int t = thread_index();
    if (t < n) {
        x[t] = value;
    }
}

// y[t] = alpha·x[t] + beta·y[t].
extern "C" __global__ void axpby(float alpha, const float* x, float beta, float* y, int n) {
    int t = thread_index();
    if (t < n) {
        y[t] = beta == 0.0f ? alpha * x[t] : alpha * x[t] + beta * y[t];
    }
}

// out[t] = a[t]·b[t] (out may alias a or b).
extern "C" __global__ void mul(const float* a, const float* b, float* out, int n) {
    int t = thread_index();
    if (t < n) {
        out[t] = a[t] * b[t];
    }
}

// Inverted dropout: mask[t] = keep(seed, t) ? 1/(1 − p) : 0; out[t] = x[t]·mask[t].
extern "C" __global__ void dropout(const float* x, float p, unsigned long long seed, float* mask, float* out, int n) {
    int t = thread_index();
    if (t < n) {
        float m = dropout_keep(seed, (unsigned long long)t, p) ? 1.0f / (1.0f - p) : 0.0f;
        mask[t] = m;
        out[t] = x[t] * m;
    }
}

// out[i, j] = x[i, j] + bias[j]; one thread per element of the rows×cols output.
extern "C" __global__ void add_row_vector(const float* x, const float* bias, float* out, int rows, int cols) {
    int t = thread_index();
    if (t < rows * cols) {
        out[t] = x[t] + bias[t % cols];
    }
}

// out[t] = max(x[t], 0); NaN passes through, as in the CPU backend.
extern "C" __global__ void relu(const float* x, float* out, int n) {
    int t = thread_index();
    if (t < n) {
        float v = x[t];
        out[t] = (v > 0.0f || v != v) ? v : 0.0f;
    }
}

// dx[t] = beta·dx[t] + dy[t]·[x[t] > 0].
extern "C" __global__ void relu_backward(const float* x, const float* dy, float* dx, int n, float beta) {
    int t = thread_index();
    if (t < n) {
        float g = x[t] > 0.0f ? dy[t] : 0.0f;
        dx[t] = beta == 0.0f ? g : beta * dx[t] + g;
    }
}

// out[t] = silu(x[t]) = x[t] / (1 + e^(−x[t])).
extern "C" __global__ void silu(const float* x, float* out, int n) {
    int t = thread_index();
    if (t < n) {
        out[t] = x[t] / (1.0f + expf(-x[t]));
    }
}

// dx[t] = beta·dx[t] + dy[t]·σ(x[t])·(1 + x[t]·(1 − σ(x[t]))).
extern "C" __global__ void silu_backward(const float* x, const float* dy, float* dx, int n, float beta) {
    int t = thread_index();
    if (t < n) {
        float s = 1.0f / (1.0f + expf(-x[t]));
        float g = dy[t] * s * (1.0f + x[t] * (1.0f - s));
        dx[t] = beta == 0.0f ? g : beta * dx[t] + g;
    }
}

// dst (rows×cols, row-major with row stride dst_ld; contiguous when dst_ld == cols) = the strided view
// src: materialises a transpose or a padded view (or writes one into columns of a wider matrix).
// Blocks of 32 × 8 threads move 32×32 tiles through shared memory, reading along whichever
// dimension of src is contiguous (rows when src_s0 == 1: a transposed view) and writing dst's rows,
// so both sides are coalesced. Grid: (ceil(cols / 32), ceil(rows / 32)).
extern "C" __global__ void copy_2d(const float* src, int src_s0, int src_s1, float* dst, int dst_ld, int rows, int cols) {
    PROLORA_SHARED(float, tile, 32 * 33);  // one column of padding: no bank conflicts in either direction
    int i0 = (int)blockIdx.y * 32, j0 = (int)blockIdx.x * 32;
    bool columns_contiguous = src_s0 == 1 && src_s1 != 1;
    for (int k = (int)threadIdx.y; k < 32; k += (int)blockDim.y) {
        int di = columns_contiguous ? (int)threadIdx.x : k;
        int dj = columns_contiguous ? k : (int)threadIdx.x;
        if (i0 + di < rows && j0 + dj < cols) {
            tile[di * 33 + dj] = src[at2(i0 + di, j0 + dj, src_s0, src_s1)];
        }
    }
    __syncthreads();
    for (int k = (int)threadIdx.y; k < 32; k += (int)blockDim.y) {
        int i = i0 + k, j = j0 + (int)threadIdx.x;
        if (i < rows && j < cols) {
            dst[(long long)i * dst_ld + j] = tile[k * 33 + (int)threadIdx.x];
        }
    }
}
