// A smoke test of the shim itself (CTest): dispatch by name, argument unpacking, the grid loop
// with its ragged last block, and the unknown-kernel answer. The kernels' math is checked
// against the CPU backend by the .NET tests.
#include <cstdio>
#include <vector>

#include "prolora_host_kernels.h"

static int failures = 0;

static void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("FAIL: %s\n", what);
        failures++;
    }
}

int main() {
    // fill over 300 elements: two blocks of 256, the second one partly idle.
    std::vector<float> x(301, -1.0f);
    float* xp = x.data();
    int n = 300;
    float value = 2.5f;
    void* fill_args[] = {&xp, &n, &value};
    const unsigned two_blocks[3] = {2, 1, 1};
    const unsigned one_block[3] = {1, 1, 1};
    const unsigned block256[3] = {256, 1, 1};
    char error[256] = "";
    check(prolora_host_launch("fill", two_blocks, block256, 0, fill_args, error, sizeof error) == 0, "fill launches");
    bool filled = true;
    for (int i = 0; i < n; i++) {
        filled = filled && x[i] == 2.5f;
    }
    check(filled, "fill writes every element");
    check(x[300] == -1.0f, "fill stops at n");

    // axpby mixes float and pointer arguments: y = 2·x + 0.5·y.
    std::vector<float> a{1.0f, 2.0f, 3.0f};
    std::vector<float> y{4.0f, 4.0f, 4.0f};
    const float* ap = a.data();
    float* yp = y.data();
    float alpha = 2.0f;
    float beta = 0.5f;
    int three = 3;
    void* axpby_args[] = {&alpha, &ap, &beta, &yp, &three};
    check(prolora_host_launch("axpby", one_block, block256, 0, axpby_args, error, sizeof error) == 0, "axpby launches");
    check(y[0] == 4.0f && y[1] == 6.0f && y[2] == 8.0f, "axpby computes 2x + y/2");

    check(prolora_host_launch("no_such_kernel", one_block, one_block, 0, nullptr, error, sizeof error) == -1, "unknown kernel answers -1");

    // sgemm, column-major 2×2: C = Aᵀ·B with A = [1 3; 2 4] (columns 1,2 and 3,4), B = I.
    float am[] = {1.0f, 2.0f, 3.0f, 4.0f};
    float bm[] = {1.0f, 0.0f, 0.0f, 1.0f};
    float cm[] = {9.0f, 9.0f, 9.0f, 9.0f};
    prolora_host_sgemm(1, 0, 2, 2, 2, 1.0f, am, 2, bm, 2, 0.0f, cm, 2);
    check(cm[0] == 1.0f && cm[1] == 3.0f && cm[2] == 2.0f && cm[3] == 4.0f, "sgemm transposes A");

    if (failures == 0) {
        std::printf("host shim self-test passed\n");
    }
    return failures == 0 ? 0 : 1;
}
