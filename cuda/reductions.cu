// Reductions without shared memory or shuffles: each thread owns one output and loops.
#include "common.cuh"

// out[j] = beta·out[j] + Σ_i x[i, j] over the rows of a contiguous rows×cols x (the bias gradient).
// One thread per column; the rows are added in order, as the CPU backend does.
extern "C" __global__ void sum_rows(const float* x, float* out, int rows, int cols, float beta) {
    int j = thread_index();
    if (j >= cols) {
        return;
    }
    float acc = beta == 0.0f ? 0.0f : beta * out[j];
    for (int i = 0; i < rows; i++) {
        acc += x[(long long)i * cols + j];
    }
    out[j] = acc;
}

// partials[t] = Σ_k x[t + k·parts]² in double, for t < parts; the host adds the parts.
// One thread per part, striding by parts so neighbouring threads read neighbouring elements.
extern "C" __global__ void sum_of_squares(const float* x, int n, double* partials, int parts) {
    int t = thread_index();
    if (t >= parts) {
        return;
    }
    double acc = 0.0;
    for (int i = t; i < n; i += parts) {
        double v = (double)x[i];
        acc += v * v;
    }
    partials[t] = acc;
}
