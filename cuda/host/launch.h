// The sequential launcher: runs a kernel over a 1-D grid, one thread after another, with its
// arguments unpacked from cuLaunchKernel-style kernelParams (one pointer to each value).
#ifndef PROLORA_LAUNCH_H
#define PROLORA_LAUNCH_H

#include <cstddef>
#include <tuple>
#include <utility>

#include "cuda_shim.h"

namespace prolora_host {

template <typename... Args, std::size_t... I>
std::tuple<Args...> unpack(void** args, std::index_sequence<I...>) {
    return std::tuple<Args...>(*static_cast<Args*>(args[I])...);
}

// Runs kernel(args...) for blockIdx.x in [0, grid_x) and threadIdx.x in [0, block_x).
template <typename... Args>
void launch(void (*kernel)(Args...), int grid_x, int block_x, void** args) {
    std::tuple<Args...> values = unpack<Args...>(args, std::index_sequence_for<Args...>{});
    gridDim = dim3(static_cast<unsigned int>(grid_x));
    blockDim = dim3(static_cast<unsigned int>(block_x));
    threadIdx = uint3{0, 0, 0};
    blockIdx = uint3{0, 0, 0};
    for (int b = 0; b < grid_x; b++) {
        blockIdx.x = static_cast<unsigned int>(b);
        for (int t = 0; t < block_x; t++) {
            threadIdx.x = static_cast<unsigned int>(t);
            std::apply(kernel, values);
        }
    }
}

// A table entry's runner: binds one kernel to the generic launcher.
template <auto Kernel>
void run(int grid_x, int block_x, void** args) {
    launch(Kernel, grid_x, block_x, args);
}

}  // namespace prolora_host

#endif
