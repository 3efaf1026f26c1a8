// Fiber switching (fiber_switch.h).
#include "fiber_switch.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)

// prolora_fiber_switch(void** save_sp, void* load_sp): pushes the System V callee-saved registers
// and the SSE/x87 control words, saves the stack pointer, loads the other one, pops the same.
asm(R"(
    .text
    .p2align 4
    .globl prolora_fiber_switch
    .type prolora_fiber_switch, @function
prolora_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size prolora_fiber_switch, .-prolora_fiber_switch
    .section .note.GNU-stack,"",@progbits
    .text
)");

extern "C" void prolora_fiber_switch(void** save_sp, void* load_sp);

namespace prolora_host {

void fiber_prepare(FiberContext* fiber, unsigned char* stack, std::size_t size, void (*entry)()) {
    auto top = reinterpret_cast<std::uintptr_t>(stack + size) & ~static_cast<std::uintptr_t>(15);
    auto* sp = reinterpret_cast<std::uint64_t*>(top);
    *--sp = 0;                                         // entry's own return address: it never returns
    *--sp = reinterpret_cast<std::uint64_t>(entry);    // where the first switch "returns" to (16-byte aligned slot)
    for (int i = 0; i < 6; i++) {
        *--sp = 0;                                     // rbp, rbx, r12 to r15
    }
    std::uint32_t mxcsr = 0;
    std::uint16_t fpu = 0;
    asm volatile("stmxcsr %0" : "=m"(mxcsr));
    asm volatile("fnstcw %0" : "=m"(fpu));
    *--sp = 0;
    std::memcpy(sp, &mxcsr, sizeof mxcsr);
    std::memcpy(reinterpret_cast<unsigned char*>(sp) + 4, &fpu, sizeof fpu);
    fiber->sp = sp;
}

void fiber_switch(FiberContext* from, FiberContext* to) { prolora_fiber_switch(&from->sp, to->sp); }

}  // namespace prolora_host

#else

namespace prolora_host {

void fiber_prepare(FiberContext* fiber, unsigned char* stack, std::size_t size, void (*entry)()) {
    getcontext(&fiber->context);
    fiber->context.uc_stack.ss_sp = stack;
    fiber->context.uc_stack.ss_size = size;
    fiber->context.uc_link = nullptr;
    makecontext(&fiber->context, entry, 0);
}

void fiber_switch(FiberContext* from, FiberContext* to) { swapcontext(&from->context, &to->context); }

}  // namespace prolora_host

#endif
