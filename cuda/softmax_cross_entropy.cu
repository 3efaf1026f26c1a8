// Softmax cross-entropy of logits (n×v) against targets, fused with its gradient.
#include "common.cuh"

// One block per row i (1-D, PROLORA_BLOCK threads), its threads striding over the columns so that
// reads are coalesced; block reductions give the row's maximum and partition sum:
//   losses[i] = log Σ_j exp(x[i, j] − max) − (x[i, target] − max)
//   dlogits[i, j] = (softmax(x[i])_j − [j == target]) / count
// where count is the number of rows whose target is not −1; a row whose target is −1 is ignored
// (losses[i] = 0, dlogits[i, :] = 0; the whole block takes that branch). The partition sum is
// accumulated in double (as the CPU backend does) so the loss keeps its relative accuracy when it
// is close to zero. The host averages losses over the counted rows.
extern "C" __global__ void softmax_cross_entropy(const float* logits, const int* targets, float* dlogits,
                                                 float* losses, int v, int count) {
    int i = (int)blockIdx.x;
    const float* row = logits + (long long)i * v;
    float* drow = dlogits + (long long)i * v;
    int target = targets[i];
    if (target == -1) {
        for (int j = (int)threadIdx.x; j < v; j += (int)blockDim.x) {
            drow[j] = 0.0f;
        }
        if (threadIdx.x == 0) {
            losses[i] = 0.0f;
        }
        return;
    }
    float mx = negative_infinity();
    for (int j = (int)threadIdx.x; j < v; j += (int)blockDim.x) {
        mx = fmaxf(mx, row[j]);
    }
    mx = block_max(mx);
    double z = 0.0;
    for (int j = (int)threadIdx.x; j < v; j += (int)blockDim.x) {
        z += (double)expf(row[j] - mx);
    }
    z = block_sum(z);
    for (int j = (int)threadIdx.x; j < v; j += (int)blockDim.x) {
        float d = (float)((double)expf(row[j] - mx) / z) / (float)count;
        drow[j] = j == target ? d - 1.0f / (float)count : d;
    }
    if (threadIdx.x == 0) {
        losses[i] = (float)(log(z) - (double)(row[target] - mx));
    }
}
