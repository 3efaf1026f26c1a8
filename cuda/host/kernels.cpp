// Builds every kernel of cuda/ as C++ and dispatches launches to them by name.
#include <cstring>

#include "cuda_shim.h"
#include "launch.h"
#include "prolora_host_kernels.h"

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

// The kernels themselves, compiled as one translation unit (as a single NVRTC program would be).
#include "../adamw.cu"
#include "../broadcast_roll.cu"
#include "../elementwise.cu"
#include "../embedding.cu"
#include "../reductions.cu"
#include "../softmax_cross_entropy.cu"

namespace {

struct KernelEntry {
    const char* name;
    void (*run)(int grid_x, int block_x, void** args);
};

// Adding a kernel: one line here.
#define PROLORA_KERNEL(name) {#name, &prolora_host::run<name>}

const KernelEntry kernels[] = {
    PROLORA_KERNEL(broadcast_roll),
    PROLORA_KERNEL(broadcast_roll_grad),
    PROLORA_KERNEL(fill),
    PROLORA_KERNEL(axpby),
    PROLORA_KERNEL(mul),
    PROLORA_KERNEL(dropout),
    PROLORA_KERNEL(add_row_vector),
    PROLORA_KERNEL(relu),
    PROLORA_KERNEL(relu_backward),
    PROLORA_KERNEL(copy_2d),
    PROLORA_KERNEL(sum_rows),
    PROLORA_KERNEL(sum_of_squares),
    PROLORA_KERNEL(embedding),
    PROLORA_KERNEL(embedding_backward),
    PROLORA_KERNEL(softmax_cross_entropy),
    PROLORA_KERNEL(adamw),
};

#undef PROLORA_KERNEL

}  // namespace

extern "C" int prolora_host_launch(const char* kernel, int grid_x, int block_x, void** args) {
    if (kernel == nullptr) {
        return -1;
    }
    for (const KernelEntry& entry : kernels) {
        if (std::strcmp(entry.name, kernel) == 0) {
            entry.run(grid_x, block_x, args);
            return 0;
        }
    }
    return -1;
}
