// The host shim's execution model: a launch runs every block of its 3-D grid in turn, and every
// thread of a block as a fiber (its own stack, ucontext). Fibers switch only at __syncthreads and
// at warp operations, so the same .cu source that NVRTC compiles for a GPU runs here, barriers,
// shared memory and warp shuffles included. It also checks what a GPU would let slide: a barrier
// that not every thread reaches, warp operations whose lanes do not all arrive, and (through
// shared_memory.h) races and out-of-bounds accesses in shared memory.
#ifndef PROLORA_BLOCK_RUNTIME_H
#define PROLORA_BLOCK_RUNTIME_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace prolora_host {

// Runs one launch of a grid × block threads with shared_bytes of dynamic shared memory, each
// thread executing thread_body. Returns "" or what went wrong (a sanitizer report), naming the
// block and thread where it happened.
std::string run_grid(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x, unsigned block_y, unsigned block_z,
                     unsigned shared_bytes, const std::function<void()>& thread_body);

// Ends the launch with an error (from inside a kernel thread); never returns.
[[noreturn]] void fail(const std::string& problem);

// The calling thread's rank in its block (x fastest, then y, then z).
int thread_rank();

// How many __syncthreads the block has completed: the epoch of the shared-memory race check.
unsigned barrier_epoch();

// __syncthreads: waits until every thread of the block has reached this same barrier.
void syncthreads(const char* file, int line);

// What the race check knows of one element of shared memory in the current epoch.
struct SharedAccess {
    unsigned epoch = ~0u;
    int writer = -1;
    int reader = -1;
    bool many_readers = false;
};

// A block's shared array: its bytes (filled with 0xFF, a float NaN, at the start of each block) and
// an access record per element.
struct SharedRegion {
    std::vector<unsigned char> data;
    std::vector<SharedAccess> access;
};

// The block's dynamic shared memory (the launch's byte count), seen as elements of element_bytes.
SharedRegion& dynamic_shared(std::size_t element_bytes);

// The block's storage for one static shared declaration (keyed by its address): count elements of element_bytes.
SharedRegion& static_shared(const void* key, std::size_t element_bytes, std::size_t count);

enum class WarpOp { Shfl, ShflUp, ShflDown, ShflXor, Ballot, Sync };

// A warp-collective operation: waits until every lane of mask (among the warp's live lanes) has
// reached the same operation, then returns this lane's result (the value read, or the ballot).
std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width, const char* file, int line);

// The warp's lanes that have not exited.
unsigned active_mask();

}  // namespace prolora_host

#endif
