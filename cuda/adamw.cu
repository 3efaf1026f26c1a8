// AdamW with decoupled weight decay; one thread per parameter.
#include "common.cuh"

// m = b1·m + (1 − b1)·g;  v = b2·v + (1 − b2)·g²;
// p −= lr·(m/c1 / (sqrt(v/c2) + eps) + weight_decay·p), with c1 = 1 − b1^t, c2 = 1 − b2^t
// computed on the host.
extern "C" __global__ void adamw(float* p, const float* g, float* m, float* v, int n, float lr,
                                 float beta1, float beta2, float eps, float weight_decay, float c1, float c2) {
    int t = thread_index();
    if (t >= n) {
        return;
    }
    float grad = g[t];
    float mt = beta1 * m[t] + (1.0f - beta1) * grad;
    float vt = beta2 * v[t] + (1.0f - beta2) * grad * grad;
    m[t] = mt;
    v[t] = vt;
    float update = (mt / c1) / (sqrtf(vt / c2) + eps);
    p[t] -= lr * (update + weight_decay * p[t]);
}
