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

// The delta of one PRoLoRA adapter on one row, straight from its compact tensors (decode with many
// adapters: one gather-multiply per row, as Punica's BGMV; A and B never built):
//   hs[q] = Σ_k Σ_j xr[k·cs_a + j] · chunk_a[(q + k·shift_a) mod rs, j]      (q < rs, the shared ranks)
//   hu[t] = Σ_j xr[j] · vec_a[t, j]                                          (t < u)
//   yr[k·cs_b + c] += alpha · (Σ_p chunk_b[c, p] · hs[(p − k·shift_b) mod rs] + Σ_t hu[t] · vec_b[t, k·cs_b + c])
// chunk_a (rs×cs_a), vec_a (u×in), chunk_b (cs_b×rs), vec_b (u×out), contiguous; the last slice of x and
// of y may be cut. Called by every thread of a block, which owns the row: phase 1, warp w computes the
// ranks q ≡ w (mod warps), its lanes striding along in (coalesced), into shared memory h (rs + u floats);
// phase 2, the threads stride along out, each output reading one row of chunk_b (rs values) and h.
// Shifts are < rs (the launchers reduce them). Shared is the block's shared array (float* under NVRTC).
template <typename Shared>
__device__ void compact_row_delta(const float* xr, float* yr, const float* chunk_a, const float* vec_a, const float* chunk_b,
                                  const float* vec_b, Shared h, int in, int out, int rs, int u, int cs_a, int cs_b, int shift_a,
                                  int shift_b, float alpha) {
    int lane = (int)threadIdx.x % 32, warp = (int)threadIdx.x / 32, warps = (int)blockDim.x / 32;
    for (int q = warp; q < rs + u; q += warps) {
        float sum = 0.0f;
        if (q < rs) {
            int copies = (in + cs_a - 1) / cs_a;
            int p = q;  // (q + k·shift_a) mod rs, advanced per copy
            for (int k = 0; k < copies; k++) {
                int width = min(cs_a, in - k * cs_a);
                const float* xs = xr + (long long)k * cs_a;
                const float* ca = chunk_a + (long long)p * cs_a;
                for (int j = lane; j < width; j += 32) {
                    sum += xs[j] * ca[j];
                }
                p += shift_a;
                if (p >= rs) {
                    p -= rs;
                }
            }
        } else {
            const float* va = vec_a + (long long)(q - rs) * in;
            for (int j = lane; j < in; j += 32) {
                sum += xr[j] * va[j];
            }
        }
        sum = warp_sum(sum);
        if (lane == 0) {
            h[q] = sum;
        }
    }
    __syncthreads();
    for (int o = (int)threadIdx.x; o < out; o += (int)blockDim.x) {
        int k = o / cs_b, c = o % cs_b;
        float sum = 0.0f;
        if (rs > 0) {
            int roll = (int)((long long)k * shift_b % rs);
            const float* cb = chunk_b + (long long)c * rs;
            int source = rs - roll;  // (p − roll) mod rs at p = 0
            if (source == rs) {
                source = 0;
            }
            for (int p = 0; p < rs; p++) {
                sum += cb[p] * h[source];
                source = source + 1 == rs ? 0 : source + 1;
            }
        }
        for (int t = 0; t < u; t++) {
            sum += h[rs + t] * vec_b[(long long)t * out + o];
        }
        yr[o] += alpha * sum;
    }
}

// One adapter on chosen rows: x (N×in), y (N×out); one block per row, rows distinct (each block owns its
// row of y); the row's rs + u ranks in dynamic shared memory.
extern "C" __global__ void compact_rows_delta(const float* x, const int* rows, const float* chunk_a, const float* vec_a,
                                              const float* chunk_b, const float* vec_b, float* y, int in, int out, int rs,
                                              int u, int cs_a, int cs_b, int shift_a, int shift_b, float alpha) {
    PROLORA_DYNAMIC_SHARED(float, h);
    long long row = rows[blockIdx.x];
    compact_row_delta(x + row * in, y + row * out, chunk_a, vec_a, chunk_b, vec_b, h, in, out, rs, u, cs_a, cs_b, shift_a,
                      shift_b, alpha);
}

// Many adapters in one launch (the BGMV of a decode step): row rows[i] uses adapter row_adapter[i], whose
// descriptor is 16 values of table from 16·row_adapter[i]: the addresses of chunk_a, vec_a, chunk_b, vec_b,
// then rs, u, cs_a, cs_b, shift_a, shift_b (reduced mod rs) and alpha's float bits. One block per row, rows
// distinct; dynamic shared memory for the largest rs + u.
extern "C" __global__ void compact_rows_delta_many(const float* x, const int* rows, const int* row_adapter, const long long* table,
                                                   float* y, int in, int out) {
    PROLORA_DYNAMIC_SHARED(float, h);
    const long long* d = table + 16LL * row_adapter[blockIdx.x];
    long long row = rows[blockIdx.x];
    compact_row_delta(x + row * in, y + row * out, (const float*)d[0], (const float*)d[1], (const float*)d[2], (const float*)d[3],
                      h, in, out, (int)d[4], (int)d[5], (int)d[6], (int)d[7], (int)d[8], (int)d[9], __int_as_float((int)d[10]));
}
