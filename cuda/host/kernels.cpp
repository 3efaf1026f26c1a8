// Builds every kernel of cuda/ as C++ and dispatches launches to them by name.
#include <cstdio>
#include <cstring>
#include <string>

#include "cuda_shim.h"
#include "launch.h"
#include "prolora_host_kernels.h"

// The kernels themselves, compiled as one translation unit (as a single NVRTC program would be):
// every cuda/*.cu, listed by CMakeLists.txt.
#include "kernel_sources.inc"

namespace {

struct KernelEntry {
    const char* name;
    std::string (*run)(const unsigned* grid, const unsigned* block, unsigned shared_bytes, void** args);
};

#define PROLORA_KERNEL(name) {#name, &prolora_host::run<name>}

// Every extern "C" __global__ kernel of those files, found by CMakeLists.txt.
const KernelEntry kernels[] = {
#include "kernel_table.inc"
};

#undef PROLORA_KERNEL

}  // namespace

extern "C" int prolora_host_launch(const char* kernel, const unsigned* grid, const unsigned* block, unsigned shared_bytes, void** args,
                                   char* error, int error_capacity) {
    if (kernel == nullptr) {
        return -1;
    }
    for (const KernelEntry& entry : kernels) {
        if (std::strcmp(entry.name, kernel) == 0) {
            std::string problem = entry.run(grid, block, shared_bytes, args);
            if (problem.empty()) {
                return 0;
            }
            if (error != nullptr && error_capacity > 0) {
                std::snprintf(error, static_cast<std::size_t>(error_capacity), "%s: %s", kernel, problem.c_str());
            }
            return -2;
        }
    }
    return -1;
}
