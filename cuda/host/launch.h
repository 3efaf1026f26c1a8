// Binds a kernel to the block runtime: its arguments are unpacked from cuLaunchKernel-style
// kernelParams (one pointer to each value), then every thread of the grid runs it as a fiber.
#ifndef PROLORA_LAUNCH_H
#define PROLORA_LAUNCH_H

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

#include "block_runtime.h"

namespace prolora_host {

template <typename... Args, std::size_t... I>
std::tuple<Args...> unpack(void** args, std::index_sequence<I...>) {
    return std::tuple<Args...>(*static_cast<Args*>(args[I])...);
}

// Runs kernel(args...) over the grid; returns "" or the sanitizer's report.
template <typename... Args>
std::string launch(void (*kernel)(Args...), const unsigned* grid, const unsigned* block, unsigned shared_bytes, void** args) {
    std::tuple<Args...> values = unpack<Args...>(args, std::index_sequence_for<Args...>{});
    return run_grid(grid[0], grid[1], grid[2], block[0], block[1], block[2], shared_bytes, [&] { std::apply(kernel, values); });
}

// A table entry's runner: binds one kernel to the generic launcher.
template <auto Kernel>
std::string run(const unsigned* grid, const unsigned* block, unsigned shared_bytes, void** args) {
    return launch(Kernel, grid, block, shared_bytes, args);
}

}  // namespace prolora_host

#endif
