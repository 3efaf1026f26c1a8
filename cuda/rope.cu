// Rotary position embedding (Hugging Face's rotate_half convention).
#include "common.cuh"

// One thread per rotated pair: t over rows × heads × half (half = head_dim / 2), i = t mod half the
// fastest, so neighbouring threads read neighbouring elements. With angle =
// (positions[row] / position_scale) · inv_freq[i] (inv_freq computed by the host, as HF does) and
// s = sign · sin(angle) (sign −1: the inverse rotation, the backward):
//   out[i] = x[i]·cos − x[i + half]·s,  out[i + half] = x[i + half]·cos + x[i]·s   (within the head).
// A thread reads both elements of its pair before writing them, so out may alias x.
extern "C" __global__ void rope(const float* x, const int* positions, const float* inv_freq, float* out,
                                int rows, int heads, int head_dim, float position_scale, float sign) {
    int t = thread_index();
    int half = head_dim / 2;
    if (t < rows * heads * half) {
        int i = t % half;
        int row = t / (half * heads);
        int head = t / half % heads;
        float angle = ((float)positions[row] / position_scale) * inv_freq[i];
        float c = cosf(angle), s = sign * sinf(angle);
        long long start = (long long)row * heads * head_dim + (long long)head * head_dim;
        float x0 = x[start + i], x1 = x[start + half + i];
        out[start + i] = x0 * c - x1 * s;
        out[start + half + i] = x1 * c + x0 * s;
    }
}
