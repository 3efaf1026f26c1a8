// Fibers, barriers and warp collectives of the host shim (block_runtime.h).
#include "block_runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "cuda_shim.h"
#include "fiber_switch.h"
#include "guarded_memory.h"

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local dim3 blockDim;
thread_local dim3 gridDim;

namespace prolora_host {
namespace {

constexpr std::size_t kStackBytes = 128 * 1024;
constexpr unsigned kMaxBlockThreads = 1024;
constexpr int kWarpSize = 32;

enum class State { Ready, AtBarrier, AtWarp, Done };

struct WarpRequest {
    WarpOp op;
    unsigned mask;
    std::uint64_t value;
    int arg;
    int width;
    const char* file;
    int line;
    std::uint64_t result;
};

struct Fiber {
    FiberContext context;
    State state;
    uint3 index;
    const char* barrier_file;
    int barrier_line;
    WarpRequest warp;
};

// One stack per thread slot, reused by every block and launch on this OS thread; a PROT_NONE page
// below each catches a kernel that overflows its stack.
class StackPool {
public:
    ~StackPool() {
        for (unsigned char* s : stacks_) {
            munmap(s - page(), kStackBytes + page());
        }
    }

    unsigned char* get(std::size_t i) {
        while (stacks_.size() <= i) {
            void* base = mmap(nullptr, kStackBytes + page(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (base == MAP_FAILED) {
                return nullptr;
            }
            mprotect(base, page(), PROT_NONE);
            stacks_.push_back(static_cast<unsigned char*>(base) + page());
        }
        return stacks_[i];
    }

private:
    static std::size_t page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
    std::vector<unsigned char*> stacks_;
};

struct BlockRun {
    const std::function<void()>* body = nullptr;
    std::vector<Fiber> fibers;
    FiberContext scheduler;
    int current = -1;
    unsigned epoch = 0;
    std::string error;
    std::size_t dynamic_bytes = 0;
    SharedRegion dynamic;
    std::map<const void*, SharedRegion> statics;
};

thread_local StackPool t_stacks;
thread_local BlockRun* t_run = nullptr;

std::string where(const Fiber& f) {
    return "block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) + ", " + std::to_string(blockIdx.z) + ") thread (" +
           std::to_string(f.index.x) + ", " + std::to_string(f.index.y) + ", " + std::to_string(f.index.z) + ")";
}

std::string site(const char* file, int line) {
    const char* slash = std::strrchr(file, '/');
    return std::string(slash ? slash + 1 : file) + ":" + std::to_string(line);
}

void fiber_entry() {
    BlockRun* run = t_run;
    (*run->body)();
    Fiber& self = run->fibers[static_cast<std::size_t>(run->current)];
    self.state = State::Done;
    fiber_switch(&self.context, &run->scheduler);
}

// Back to the scheduler until it resumes this fiber.
void yield() {
    BlockRun* run = t_run;
    fiber_switch(&run->fibers[static_cast<std::size_t>(run->current)].context, &run->scheduler);
}

void resume(BlockRun& run, int i) {
    run.current = i;
    threadIdx = run.fibers[static_cast<std::size_t>(i)].index;
    fiber_switch(&run.scheduler, &run.fibers[static_cast<std::size_t>(i)].context);
}

unsigned live_lanes(const BlockRun& run, int warp) {
    unsigned mask = 0;
    int n = static_cast<int>(run.fibers.size());
    for (int lane = 0; lane < kWarpSize && warp * kWarpSize + lane < n; lane++) {
        if (run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)].state != State::Done) {
            mask |= 1u << lane;
        }
    }
    return mask;
}

std::string mask_text(unsigned mask) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", mask);
    return text;
}

// The lane a shuffle reads, or -1 for its own value (a source outside its width segment).
int source_lane(const WarpRequest& r, int lane) {
    int segment = lane / r.width * r.width;
    switch (r.op) {
        case WarpOp::Shfl:
            return segment + ((r.arg % r.width) + r.width) % r.width;
        case WarpOp::ShflUp:
            return lane - segment >= r.arg ? lane - r.arg : -1;
        case WarpOp::ShflDown:
            return lane - segment + r.arg < r.width ? lane + r.arg : -1;
        case WarpOp::ShflXor: {
            int source = lane ^ r.arg;
            return source / r.width == lane / r.width ? source : -1;
        }
        default:
            return -1;
    }
}

// Completes the warp operation the first waiting lane of `warp` is at, if all its lanes have
// arrived. Returns true when it completed; sets run.error when it never can.
bool complete_warp(BlockRun& run, int warp) {
    int n = static_cast<int>(run.fibers.size());
    int first = -1;
    for (int lane = 0; lane < kWarpSize && warp * kWarpSize + lane < n; lane++) {
        if (run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)].state == State::AtWarp) {
            first = lane;
            break;
        }
    }
    if (first < 0) {
        return false;
    }
    Fiber& leader = run.fibers[static_cast<std::size_t>(warp * kWarpSize + first)];
    const WarpRequest& r = leader.warp;
    unsigned exists = 0;
    for (int lane = 0; lane < kWarpSize && warp * kWarpSize + lane < n; lane++) {
        exists |= 1u << lane;
    }
    unsigned required = r.mask & exists;
    for (int lane = 0; lane < kWarpSize; lane++) {
        if (!(required >> lane & 1u)) {
            continue;
        }
        const Fiber& f = run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)];
        if (f.state == State::Done) {
            run.error = where(leader) + ": the warp operation at " + site(r.file, r.line) + " names lane " + std::to_string(lane) +
                        " in its mask " + mask_text(r.mask) + ", but that lane has exited";
            return false;
        }
        if (f.state != State::AtWarp) {
            return false;
        }
        if (f.warp.op != r.op || f.warp.line != r.line || f.warp.file != r.file || f.warp.mask != r.mask) {
            run.error = where(leader) + ": lanes of warp " + std::to_string(warp) + " wait at different warp operations (" +
                        site(r.file, r.line) + " with mask " + mask_text(r.mask) + " and " + site(f.warp.file, f.warp.line) +
                        " with mask " + mask_text(f.warp.mask) + ")";
            return false;
        }
    }
    std::uint64_t ballot = 0;
    for (int lane = 0; lane < kWarpSize; lane++) {
        if ((required >> lane & 1u) && run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)].warp.value != 0) {
            ballot |= 1ull << lane;
        }
    }
    for (int lane = 0; lane < kWarpSize; lane++) {
        if (!(required >> lane & 1u)) {
            continue;
        }
        Fiber& f = run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)];
        if (r.op == WarpOp::Ballot) {
            f.warp.result = ballot;
        } else if (r.op == WarpOp::Sync) {
            f.warp.result = 0;
        } else {
            int source = source_lane(f.warp, lane);
            if (source < 0) {
                f.warp.result = f.warp.value;
            } else if (!(required >> source & 1u)) {
                run.error = where(f) + ": the shuffle at " + site(r.file, r.line) + " reads lane " + std::to_string(source) +
                            ", which does not take part (mask " + mask_text(r.mask) + ", live lanes " + mask_text(exists) + ")";
                return false;
            } else {
                f.warp.result = run.fibers[static_cast<std::size_t>(warp * kWarpSize + source)].warp.value;
            }
        }
    }
    for (int lane = 0; lane < kWarpSize; lane++) {
        if (required >> lane & 1u) {
            run.fibers[static_cast<std::size_t>(warp * kWarpSize + lane)].state = State::Ready;
        }
    }
    return true;
}

// Releases the barrier every live thread waits at, or reports why it cannot be released.
void release_barrier(BlockRun& run) {
    const Fiber* waiting = nullptr;
    const Fiber* exited = nullptr;
    for (const Fiber& f : run.fibers) {
        if (f.state == State::AtWarp) {
            run.error = where(f) + ": the warp operation at " + site(f.warp.file, f.warp.line) + " (mask " + mask_text(f.warp.mask) +
                        ") waits for lanes that never reach it (they wait at a barrier or elsewhere)";
            return;
        }
        if (f.state == State::AtBarrier && waiting == nullptr) {
            waiting = &f;
        }
        if (f.state == State::Done && exited == nullptr) {
            exited = &f;
        }
    }
    if (exited != nullptr) {
        run.error = where(*waiting) + ": the __syncthreads at " + site(waiting->barrier_file, waiting->barrier_line) +
                    " is not reached by every thread of the block (" + where(*exited) + " exited without it): a barrier in divergent code";
        return;
    }
    for (const Fiber& f : run.fibers) {
        if (f.barrier_line != waiting->barrier_line || f.barrier_file != waiting->barrier_file) {
            run.error = where(f) + ": threads of one block wait at different barriers (" + site(waiting->barrier_file, waiting->barrier_line) +
                        " and " + site(f.barrier_file, f.barrier_line) + "): divergent __syncthreads";
            return;
        }
    }
    run.epoch++;
    for (Fiber& f : run.fibers) {
        f.state = State::Ready;
    }
}

void run_block(BlockRun& run, unsigned threads) {
    run.error.clear();
    run.epoch = 0;
    run.statics.clear();
    run.dynamic.data.clear();
    run.dynamic.access.clear();
    for (unsigned i = 0; i < threads; i++) {
        Fiber& f = run.fibers[i];
        f.state = State::Ready;
        f.index = uint3{i % blockDim.x, i / blockDim.x % blockDim.y, i / (blockDim.x * blockDim.y)};
        fiber_prepare(&f.context, t_stacks.get(i), kStackBytes, fiber_entry);
    }
    for (;;) {
        bool ran = false;
        for (unsigned i = 0; i < threads; i++) {
            if (run.fibers[i].state == State::Ready) {
                resume(run, static_cast<int>(i));
                ran = true;
                if (!run.error.empty()) {
                    return;
                }
            }
        }
        if (ran) {
            continue;
        }
        bool done = true;
        for (const Fiber& f : run.fibers) {
            done = done && f.state == State::Done;
        }
        if (done) {
            return;
        }
        bool completed = false;
        for (int warp = 0; warp * kWarpSize < static_cast<int>(threads) && run.error.empty(); warp++) {
            completed = complete_warp(run, warp) || completed;
        }
        if (!run.error.empty()) {
            return;
        }
        if (!completed) {
            release_barrier(run);
            if (!run.error.empty()) {
                return;
            }
        }
    }
}

}  // namespace

std::string run_grid(unsigned grid_x, unsigned grid_y, unsigned grid_z, unsigned block_x, unsigned block_y, unsigned block_z,
                     unsigned shared_bytes, const std::function<void()>& thread_body) {
    unsigned long long threads = 1ull * block_x * block_y * block_z;
    if (grid_x == 0 || grid_y == 0 || grid_z == 0 || threads == 0 || threads > kMaxBlockThreads) {
        return "invalid launch: grid (" + std::to_string(grid_x) + ", " + std::to_string(grid_y) + ", " + std::to_string(grid_z) + "), block (" +
               std::to_string(block_x) + ", " + std::to_string(block_y) + ", " + std::to_string(block_z) + "): a block holds 1 to " +
               std::to_string(kMaxBlockThreads) + " threads";
    }
    if (t_run != nullptr) {
        return "a kernel launched another kernel: not supported";
    }
    if (t_stacks.get(static_cast<std::size_t>(threads) - 1) == nullptr) {
        return "cannot map the fiber stacks";
    }
    auto run = std::make_unique<BlockRun>();
    run->body = &thread_body;
    run->fibers.resize(static_cast<std::size_t>(threads));
    run->dynamic_bytes = shared_bytes;
    gridDim = dim3(grid_x, grid_y, grid_z);
    blockDim = dim3(block_x, block_y, block_z);
    FaultScope faults;
    t_run = run.get();
    if (sigsetjmp(*faults.jump(), 1) != 0) {
        t_run = nullptr;
        const Fiber& f = run->fibers[static_cast<std::size_t>(run->current)];
        return where(f) + ": invalid global memory access at " + describe_address(faults.address());
    }
    for (unsigned z = 0; z < grid_z; z++) {
        for (unsigned y = 0; y < grid_y; y++) {
            for (unsigned x = 0; x < grid_x; x++) {
                blockIdx = uint3{x, y, z};
                run_block(*run, static_cast<unsigned>(threads));
                if (!run->error.empty()) {
                    t_run = nullptr;
                    return run->error;
                }
            }
        }
    }
    t_run = nullptr;
    return "";
}

void fail(const std::string& problem) {
    BlockRun* run = t_run;
    if (run->error.empty()) {
        run->error = where(run->fibers[static_cast<std::size_t>(run->current)]) + ": " + problem;
    }
    fiber_switch(&run->fibers[static_cast<std::size_t>(run->current)].context, &run->scheduler);
    std::abort();
}

int thread_rank() { return t_run->current; }

unsigned barrier_epoch() { return t_run->epoch; }

void syncthreads(const char* file, int line) {
    Fiber& f = t_run->fibers[static_cast<std::size_t>(t_run->current)];
    f.state = State::AtBarrier;
    f.barrier_file = file;
    f.barrier_line = line;
    yield();
}

SharedRegion& dynamic_shared(std::size_t element_bytes) {
    SharedRegion& region = t_run->dynamic;
    if (region.data.size() != t_run->dynamic_bytes) {
        region.data.assign(t_run->dynamic_bytes, 0xFF);
        region.access.assign(t_run->dynamic_bytes / element_bytes, SharedAccess{});
    }
    return region;
}

SharedRegion& static_shared(const void* key, std::size_t element_bytes, std::size_t count) {
    SharedRegion& region = t_run->statics[key];
    if (region.access.size() != count) {
        region.data.assign(element_bytes * count, 0xFF);
        region.access.assign(count, SharedAccess{});
    }
    return region;
}

std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width, const char* file, int line) {
    if (width <= 0 || width > kWarpSize || (width & (width - 1)) != 0) {
        fail("the warp operation at " + site(file, line) + " has width " + std::to_string(width) + ": a power of 2 up to 32");
    }
    int lane = t_run->current % kWarpSize;
    if (!(mask >> lane & 1u)) {
        fail("the warp operation at " + site(file, line) + " is called by lane " + std::to_string(lane) + ", which its mask " + mask_text(mask) +
             " leaves out");
    }
    Fiber& f = t_run->fibers[static_cast<std::size_t>(t_run->current)];
    f.state = State::AtWarp;
    f.warp = WarpRequest{op, mask, value, arg, width, file, line, 0};
    yield();
    return f.warp.result;
}

unsigned active_mask() { return live_lanes(*t_run, t_run->current / kWarpSize); }

}  // namespace prolora_host
