// RMS normalisation of rows (LLaMA's RMSNorm) and its gradient.
#include "common.cuh"

// One block per row i (1-D, PROLORA_BLOCK threads), its threads striding over the d columns so that
// reads are coalesced; a block reduction gives the row's sum of squares (in float):
//   rstd[i] = 1 / sqrt(Σ_j x[i, j]² / d + eps),  out[i, j] = w[j] · (x[i, j] · rstd[i]).
// Each thread writes only the columns it read, so out may alias x.
extern "C" __global__ void rms_norm(const float* x, const float* w, float* out, float* rstd, int d, float eps) {
    int i = (int)blockIdx.x;
    const float* row = x + (long long)i * d;
    float* orow = out + (long long)i * d;
    float ss = 0.0f;
    for (int j = (int)threadIdx.x; j < d; j += (int)blockDim.x) {
        float v = row[j];
        ss += v * v;
    }
    ss = block_sum(ss);
    float r = 1.0f / sqrtf(ss / (float)d + eps);
    for (int j = (int)threadIdx.x; j < d; j += (int)blockDim.x) {
        orow[j] = w[j] * (row[j] * r);
    }
    if (threadIdx.x == 0) {
        rstd[i] = r;
    }
}

// dx of RMSNorm, one block per row i as rms_norm, with r = rstd[i] and c = r³ · Σ_j w[j]·dy[j]·x[j] / d
// (the sum a block reduction): dx[i, j] = beta · dx[i, j] + r · w[j] · dy[i, j] − x[i, j] · c.
extern "C" __global__ void rms_norm_backward(const float* x, const float* w, const float* rstd, const float* dy, float* dx,
                                             int d, float beta) {
    int i = (int)blockIdx.x;
    const float* row = x + (long long)i * d;
    const float* dyrow = dy + (long long)i * d;
    float* dxrow = dx + (long long)i * d;
    float dot = 0.0f;
    for (int j = (int)threadIdx.x; j < d; j += (int)blockDim.x) {
        dot += w[j] * dyrow[j] * row[j];
    }
    dot = block_sum(dot);
    float r = rstd[i];
    float c = r * r * r * dot / (float)d;
    for (int j = (int)threadIdx.x; j < d; j += (int)blockDim.x) {
        float g = r * w[j] * dyrow[j] - row[j] * c;
        dxrow[j] = beta == 0.0f ? g : beta * dxrow[j] + g;
    }
}

// dw[j] += Σ_i dy[i, j] · (x[i, j] · rstd[i]) over the rows of the contiguous rows×d x and dy; laid
// out as sum_rows (reductions.cu): blocks of 32 × 8 threads own 32 columns, the 32 lanes read a row's
// columns side by side, the 8 rows of threads split the rows, and shared memory adds their sums.
extern "C" __global__ void rms_norm_backward_weight(const float* x, const float* rstd, const float* dy, float* dw, int rows, int d) {
    PROLORA_SHARED(float, partial, 8 * 32);
    int lane = (int)threadIdx.x, part = (int)threadIdx.y;
    int j = (int)blockIdx.x * 32 + lane;
    float acc = 0.0f;
    if (j < d) {
        for (int i = part; i < rows; i += (int)blockDim.y) {
            long long e = (long long)i * d + j;
            acc += dy[e] * (x[e] * rstd[i]);
        }
    }
    partial[part * 32 + lane] = acc;
    __syncthreads();
    if (part == 0 && j < d) {
        float total = 0.0f;
        for (int k = 0; k < (int)blockDim.y; k++) {
            total += partial[k * 32 + lane];
        }
        dw[j] += total;
    }
}
