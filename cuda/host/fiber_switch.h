// Switching between the host shim's fibers. On x86-64 a few instructions save the callee-saved
// registers and swap stacks (ucontext's swapcontext makes a sigprocmask system call each time,
// which made a launch of many small threads slow); elsewhere ucontext.
#ifndef PROLORA_FIBER_SWITCH_H
#define PROLORA_FIBER_SWITCH_H

#include <cstddef>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace prolora_host {

struct FiberContext {
#if defined(__x86_64__)
    void* sp = nullptr;
#else
    ucontext_t context;
#endif
};

// Makes `fiber` start `entry` (which must never return) on the stack [stack, stack + size) when first switched to.
void fiber_prepare(FiberContext* fiber, unsigned char* stack, std::size_t size, void (*entry)());

// Saves the running context in `from` and continues `to`.
void fiber_switch(FiberContext* from, FiberContext* to);

}  // namespace prolora_host

#endif
