// Attention's causal softmax (with an optional key mask) and the softmax gradient.
#include "common.cuh"

// One block per row r of the rows×keys scores (1-D, PROLORA_BLOCK threads striding over the keys, so
// reads are coalesced). Row r is query q = r mod queries at absolute position query_offset + q, of
// batch element r / rows_per_batch; key k is visible iff k ≤ query_offset + q and (key_mask is null
// or key_mask[batch · keys + k] ≠ 0). Block reductions give the maximum and the sum (in float) over
// the visible keys; masked scores are never read.
//   probs[r, k] = exp(scores[r, k] − max) / Σ_visible exp(· − max) if visible, else 0
// (all zeros when no key is visible). Each thread writes only the keys it read, so probs may alias scores.
extern "C" __global__ void causal_softmax(const float* scores, const int* key_mask, float* probs,
                                          int keys, int queries, int query_offset, int rows_per_batch) {
    int r = (int)blockIdx.x;
    const float* row = scores + (long long)r * keys;
    float* prow = probs + (long long)r * keys;
    const int* mask = key_mask == nullptr ? nullptr : key_mask + (long long)(r / rows_per_batch) * keys;
    long long last = (long long)query_offset + r % queries;
    int end = last + 1 < (long long)keys ? (int)(last + 1) : keys;
    float mx = negative_infinity();
    for (int k = (int)threadIdx.x; k < end; k += (int)blockDim.x) {
        if (mask == nullptr || mask[k] != 0) {
            mx = fmaxf(mx, row[k]);
        }
    }
    mx = block_max(mx);
    float z = 0.0f;
    for (int k = (int)threadIdx.x; k < end; k += (int)blockDim.x) {
        if (mask == nullptr || mask[k] != 0) {
            z += expf(row[k] - mx);
        }
    }
    z = block_sum(z);
    bool any = mx != negative_infinity();
    for (int k = (int)threadIdx.x; k < keys; k += (int)blockDim.x) {
        bool visible = any && k < end && (mask == nullptr || mask[k] != 0);
        prow[k] = visible ? expf(row[k] - mx) / z : 0.0f;
    }
}

// ds[r, k] = p[r, k] · (dp[r, k] − Σ_k' dp[r, k'] · p[r, k']): one block per row as causal_softmax,
// the dot a block reduction (in float). Each thread writes only the keys it read, so ds may alias dp.
extern "C" __global__ void causal_softmax_backward(const float* p, const float* dp, float* ds, int keys) {
    int r = (int)blockIdx.x;
    const float* prow = p + (long long)r * keys;
    const float* dprow = dp + (long long)r * keys;
    float* dsrow = ds + (long long)r * keys;
    float dot = 0.0f;
    for (int k = (int)threadIdx.x; k < keys; k += (int)blockDim.x) {
        dot += prow[k] * dprow[k];
    }
    dot = block_sum(dot);
    for (int k = (int)threadIdx.x; k < keys; k += (int)blockDim.x) {
        dsrow[k] = prow[k] * (dprow[k] - dot);
    }
}
