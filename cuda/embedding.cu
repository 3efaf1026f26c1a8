// Embedding lookup and its gradient; one thread per element of the n×d output.
#include "common.cuh"

// out[i, c] = table[ids[i], c].
extern "C" __global__ void embedding(const float* table, const int* ids, float* out, int n, int d) {
    int t = thread_index();
    if (t < n * d) {
        int i = t / d;
        int c = t % d;
        out[t] = table[(long long)ids[i] * d + c];
    }
}

// dtable[ids[i], c] += dout[i, c]; ids may repeat, hence the atomic add.
extern "C" __global__ void embedding_backward(const float* dout, const int* ids, float* dtable, int n, int d) {
    int t = thread_index();
    if (t < n * d) {
        int i = t / d;
        int c = t % d;
        atomicAdd(dtable + (long long)ids[i] * d + c, dout[t]);
    }
}
