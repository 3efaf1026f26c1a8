// Softmax cross-entropy of logits (n×v) against targets, fused with its gradient.
#include "common.cuh"

// One thread per row i:
//   losses[i] = log Σ_j exp(x[i, j] − max) − (x[i, target] − max)
//   dlogits[i, j] = (softmax(x[i])_j − [j == target]) / n
// The partition sum is accumulated in double (as the CPU backend does) so the loss keeps its
// relative accuracy when it is close to zero. The host averages losses.
extern "C" __global__ void softmax_cross_entropy(const float* logits, const int* targets, float* dlogits,
                                                 float* losses, int n, int v) {
    int i = thread_index();
    if (i >= n) {
        return;
    }
    const float* row = logits + (long long)i * v;
    float* drow = dlogits + (long long)i * v;
    int target = targets[i];
    float mx = row[0];
    for (int j = 1; j < v; j++) {
        mx = fmaxf(mx, row[j]);
    }
    double z = 0.0;
    for (int j = 0; j < v; j++) {
        z += exp((double)(row[j] - mx));
    }
    losses[i] = (float)(log(z) - (double)(row[target] - mx));
    for (int j = 0; j < v; j++) {
        drow[j] = (float)(exp((double)(row[j] - mx)) / z) / (float)n;
    }
    drow[target] -= 1.0f / (float)n;
}
