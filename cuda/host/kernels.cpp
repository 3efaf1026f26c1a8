// Builds every kernel of cuda/ as C++ and dispatches launches to them by name.
#include <cstring>

#include "cuda_shim.h"
#include "launch.h"
#include "prolora_host_kernels.h"

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

// The kernels themselves, compiled as one translation unit (as a single NVRTC program would be):
// every cuda/*.cu, listed by CMakeLists.txt.
#include "kernel_sources.inc"

namespace {

struct KernelEntry {
    const char* name;
    void (*run)(int grid_x, int block_x, void** args);
};

#define PROLORA_KERNEL(name) {#name, &prolora_host::run<name>}

// Every extern "C" __global__ kernel of those files, found by CMakeLists.txt.
const KernelEntry kernels[] = {
#include "kernel_table.inc"
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
