// The small steps of PRoLoRA's compact products (docs/method.md, "Compact products"): cuBLAS does
// the two GEMMs, these kernels fold the copies of a chunk's product into the shared ranks
// (roll_reduce, after x·chunk_aᵀ) and unfold the shared ranks into rolled copies (roll_spread,
// before ·chunk_bᵀ). Operands are contiguous row-major.
#include "common.cuh"

// h (rows×rs) from p (rows·copies × rs):
//   h[i, q] = beta·h[i, q] + Σ_{k < copies} p[i·copies + k, (q + k·shift) mod rs]
// Thread mapping: one thread per element (i, q) of h, consecutive threads along q, so a warp reads
// each copy's row as (at most) two coalesced runs. shift < rs (the launcher reduces it).
extern "C" __global__ void roll_reduce(const float* p, float* h, int rows, int rs, int copies, int shift, float beta) {
    int t = thread_index();
    if (t >= rows * rs) {
        return;
    }
    int i = t / rs, q = t % rs;
    const float* row = p + (long long)i * copies * rs;
    float sum = 0.0f;
    int column = q;  // (q + k·shift) mod rs, advanced by shift per copy
    for (int k = 0; k < copies; k++) {
        sum += row[(long long)k * rs + column];
        column += shift;
        if (column >= rs) {
            column -= rs;
        }
    }
    h[t] = beta == 0.0f ? sum : beta * h[t] + sum;
}

// g (rows·copies × rs) from h (rows×rs): g[i·copies + k, q] = h[i, (q − k·shift) mod rs].
// Thread mapping: one thread per element of g, consecutive threads along q (coalesced writes).
// shift < rs (the launcher reduces it).
extern "C" __global__ void roll_spread(const float* h, float* g, int rows, int rs, int copies, int shift) {
    int t = thread_index();
    if (t >= rows * copies * rs) {
        return;
    }
    int row = t / rs, q = t % rs;
    int i = row / copies, k = row % copies;
    int roll = (int)((long long)k * shift % rs);
    int column = q - roll;
    if (column < 0) {
        column += rs;
    }
    g[t] = h[(long long)i * rs + column];
}
