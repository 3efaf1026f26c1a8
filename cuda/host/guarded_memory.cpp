// Guarded allocations and fault catching (guarded_memory.h).
#include "guarded_memory.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>

#include "prolora_host_kernels.h"

namespace prolora_host {
namespace {

struct Allocation {
    std::uintptr_t base;   // the mapping, guard pages included
    std::size_t total;
    std::uintptr_t start;  // what the caller got
    std::size_t bytes;
};

std::mutex g_allocations_gate;
std::map<std::uintptr_t, Allocation> g_allocations;  // by start

std::mutex g_handler_gate;
int g_scopes = 0;
struct sigaction g_previous_segv;
struct sigaction g_previous_bus;

thread_local sigjmp_buf* t_jump = nullptr;
thread_local const void* t_fault = nullptr;

std::size_t page_size() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

void forward(int signal, siginfo_t* info, void* context) {
    const struct sigaction& previous = signal == SIGSEGV ? g_previous_segv : g_previous_bus;
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(signal, info, context);
    } else if (previous.sa_handler == SIG_DFL) {
        sigaction(signal, &previous, nullptr);
        raise(signal);
    } else if (previous.sa_handler != SIG_IGN) {
        previous.sa_handler(signal);
    }
}

void on_fault(int signal, siginfo_t* info, void* context) {
    if (t_jump != nullptr) {
        t_fault = info->si_addr;
        sigjmp_buf* jump = t_jump;
        t_jump = nullptr;
        siglongjmp(*jump, 1);
    }
    forward(signal, info, context);
}

}  // namespace

FaultScope::FaultScope() {
    std::lock_guard<std::mutex> lock(g_handler_gate);
    if (g_scopes++ == 0) {
        struct sigaction action = {};
        action.sa_sigaction = on_fault;
        action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        sigaction(SIGSEGV, &action, &g_previous_segv);
        sigaction(SIGBUS, &action, &g_previous_bus);
    }
    t_jump = &jump_;
}

FaultScope::~FaultScope() {
    t_jump = nullptr;
    std::lock_guard<std::mutex> lock(g_handler_gate);
    if (--g_scopes == 0) {
        sigaction(SIGSEGV, &g_previous_segv, nullptr);
        sigaction(SIGBUS, &g_previous_bus, nullptr);
    }
}

const void* FaultScope::address() const { return t_fault; }

std::string describe_address(const void* address) {
    auto a = reinterpret_cast<std::uintptr_t>(address);
    char text[160];
    std::lock_guard<std::mutex> lock(g_allocations_gate);
    for (const auto& [start, alloc] : g_allocations) {
        if (a >= alloc.base && a < alloc.base + alloc.total) {
            if (a >= alloc.start + alloc.bytes) {
                std::snprintf(text, sizeof text, "%p, %zu bytes past the end of the %zu-byte allocation at %p", address,
                              static_cast<std::size_t>(a - (alloc.start + alloc.bytes)), alloc.bytes, reinterpret_cast<void*>(alloc.start));
            } else {
                std::snprintf(text, sizeof text, "%p, %zu bytes before the %zu-byte allocation at %p", address,
                              static_cast<std::size_t>(alloc.start - a), alloc.bytes, reinterpret_cast<void*>(alloc.start));
            }
            return text;
        }
    }
    std::snprintf(text, sizeof text, "%p, outside every live allocation (freed memory, or a wild pointer)", address);
    return text;
}

}  // namespace prolora_host

extern "C" void* prolora_host_malloc(std::size_t bytes) {
    using namespace prolora_host;
    std::size_t page = page_size();
    std::size_t used = round_up(bytes == 0 ? 1 : bytes, 4);
    std::size_t data = round_up(used, page);
    std::size_t total = data + 2 * page;
    void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return nullptr;
    }
    auto b = reinterpret_cast<std::uintptr_t>(base);
    mprotect(base, page, PROT_NONE);
    mprotect(reinterpret_cast<void*>(b + page + data), page, PROT_NONE);
    // Flush against the guard page after it: the first byte past the (4-byte rounded) end faults.
    std::uintptr_t start = b + page + data - used;
    std::lock_guard<std::mutex> lock(g_allocations_gate);
    g_allocations[start] = Allocation{b, total, start, bytes};
    return reinterpret_cast<void*>(start);
}

extern "C" void prolora_host_free(void* pointer) {
    using namespace prolora_host;
    Allocation alloc;
    {
        std::lock_guard<std::mutex> lock(g_allocations_gate);
        auto it = g_allocations.find(reinterpret_cast<std::uintptr_t>(pointer));
        if (it == g_allocations.end()) {
            return;
        }
        alloc = it->second;
        g_allocations.erase(it);
    }
    munmap(reinterpret_cast<void*>(alloc.base), alloc.total);
}
