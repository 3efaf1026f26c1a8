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

// The gradient: each chunk element sums its copies, rolled back; vec takes its rows of dfull.
//   dchunk[q, j] = beta·dchunk[q, j] + Σ_k dfull[(q − k·shift) mod rs, k·cs + j] over k·cs + j < dim
//   dvec[t, p]   = beta·dvec[t, p] + dfull[rs + t, p]
// With beta == 0 the outputs are written without being read (they may hold garbage).
// Thread mapping: t < rs·cs is chunk element (q, j),
//   rank_fastest ? (q = t % rs, j = t / rs) : (q = t / cs, j = t % cs);
// the other u·dim threads are vec elements t − rs·cs in row-major order.
extern "C" __global__ void broadcast_roll_grad(const float* dfull, int dfull_s0, int dfull_s1,
                                               float* dchunk, int dchunk_s0, int dchunk_s1,
                                               float* dvec, int dvec_s0, int dvec_s1,
                                               int rs, int u, int dim, int cs, int shift, float beta,
                                               int rank_fastest) {
    int t = thread_index();
    int chunk_threads = rs * cs;
    if (t >= chunk_threads + u * dim) {
        return;
    }
    if (t < chunk_threads) {
        int q = rank_fastest ? t % rs : t / cs;
        int j = rank_fastest ? t / rs : t % cs;
        int roll = shift % rs;
        float sum = 0.0f;
        // Copy k covers columns k·cs .. k·cs + cs − 1; the last one may be cut at dim.
        for (int k = 0, p = j; p < dim; k++, p += cs) {
            int i = q - (k * roll) % rs;  // in (−rs, rs): C's % keeps the sign, so wrap once
            if (i < 0) {
                i += rs;
            }
            sum += dfull[at2(i, p, dfull_s0, dfull_s1)];
        }
        float* out = dchunk + at2(q, j, dchunk_s0, dchunk_s1);
        *out = beta == 0.0f ? sum : beta * *out + sum;
    } else {
        int e = t - chunk_threads;
        int row = e / dim;
        int p = e % dim;
        float g = dfull[at2(rs + row, p, dfull_s0, dfull_s1)];
        float* out = dvec + at2(row, p, dvec_s0, dvec_s1);
        *out = beta == 0.0f ? g : beta * *out + g;
    }
}
