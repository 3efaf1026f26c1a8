// Broadcast-with-roll (docs/method.md) and its gradient. One kernel serves A and B: A is built
// row-major (rank_fastest = 0), B as the strided view Bᵀ of a row-major out×r B (rank_fastest = 1),
// so in both cases consecutive threads write consecutive memory.
#include "common.cuh"

// full (r×dim) from chunk (rs×cs) and vec (u×dim), r = rs + u:
//   full[i, p] = chunk[(i + k·shift) mod rs, p − k·cs] with k = p div cs, for i < rs;
//   full[rs + t, p] = vec[t, p].
// Thread mapping: one thread per element (i, p) of full;
//   rank_fastest ? (i = t % r, p = t / r) : (i = t / dim, p = t % dim).
extern "C" __global__ void broadcast_roll(const float* chunk, int chunk_s0, int chunk_s1,
                                          const float* vec, int vec_s0, int vec_s1,
                                          float* full, int full_s0, int full_s1,
                                          int rs, int u, int dim, int cs, int shift, int rank_fastest) {
    int r = rs + u;
    int t = thread_index();
    if (t >= r * dim) {
        return;
    }
    int i = rank_fastest ? t % r : t / dim;
    int p = rank_fastest ? t / r : t % dim;
    float value;
    if (i < rs) {
        int k = p / cs;
        // k·(shift mod rs) < dim·rs, which fits an int because r·dim does.
        int q = (i + k * (shift % rs)) % rs;
        value = chunk[at2(q, p - k * cs, chunk_s0, chunk_s1)];
    } else {
        value = vec[at2(i - rs, p, vec_s0, vec_s1)];
    }
    full[at2(i, p, full_s0, full_s1)] = value;
}

// The gradient of the chunk: each chunk element sums its copies, rolled back.
//   dchunk[q, j] = beta·dchunk[q, j] + Σ_k dfull[(q − k·shift) mod rs, k·cs + j] over k·cs + j < dim
// With beta == 0 dchunk is written without being read (it may hold garbage). A chunk has few
// elements and many copies, so the copies are split too: blocks of 32 × 8 threads take 32 chunk
// elements, consecutive along the dimension that is contiguous in dfull (rank_fastest: along q,
// as in Bᵀ; else along j, as in A) so that a warp's reads of one copy are coalesced; the 8 rows of
// threads take every 8th copy, and shared memory adds their partial sums.
extern "C" __global__ void broadcast_roll_grad_chunk(const float* dfull, int dfull_s0, int dfull_s1,
                                                     float* dchunk, int dchunk_s0, int dchunk_s1,
                                                     int rs, int dim, int cs, int shift, float beta, int rank_fastest) {
    PROLORA_SHARED(float, partial, 8 * 32);
    int lane = (int)threadIdx.x, part = (int)threadIdx.y;
    long long e = (long long)blockIdx.x * 32 + lane;
    bool valid = e < (long long)rs * cs;
    int q = valid ? (int)(rank_fastest ? e % rs : e / cs) : 0;
    int j = valid ? (int)(rank_fastest ? e / rs : e % cs) : 0;
    float sum = 0.0f;
    if (valid) {
        int roll = shift % rs;
        for (int k = part; (long long)k * cs + j < dim; k += (int)blockDim.y) {
            int i = q - (int)((long long)k * roll % rs);  // in (−rs, rs]: C's % keeps the sign, so wrap once
            if (i < 0) {
                i += rs;
            }
            sum += dfull[at2(i, k * cs + j, dfull_s0, dfull_s1)];
        }
    }
    partial[part * 32 + lane] = sum;
    __syncthreads();
    if (part == 0 && valid) {
        float total = 0.0f;
        for (int k = 0; k < (int)blockDim.y; k++) {
            total += partial[k * 32 + lane];
        }
        float* out = dchunk + at2(q, j, dchunk_s0, dchunk_s1);
        *out = beta == 0.0f ? total : beta * *out + total;
    }
}

// The gradient of vec: dvec[t, p] = beta·dvec[t, p] + dfull[rs + t, p]; one thread per element
// of dvec (u×dim), row-major. With beta == 0 dvec is written without being read.
extern "C" __global__ void broadcast_roll_grad_vec(const float* dfull, int dfull_s0, int dfull_s1,
                                                   float* dvec, int dvec_s0, int dvec_s1,
                                                   int rs, int u, int dim, float beta) {
    int t = thread_index();
    if (t >= u * dim) {
        return;
    }
    int row = t / dim, p = t % dim;
    float g = dfull[at2(rs + row, p, dfull_s0, dfull_s1)];
    float* out = dvec + at2(row, p, dvec_s0, dvec_s1);
    *out = beta == 0.0f ? g : beta * *out + g;
}
