// The host shim's "device" memory: every allocation sits flush against a PROT_NONE guard page, and
// is unmapped when freed, so a kernel that reads or writes past the end of an allocation (or uses
// freed memory) faults at once. During a launch the fault is caught (FaultScope) and reported with
// the address and the allocation it missed, instead of crashing the process.
#ifndef PROLORA_GUARDED_MEMORY_H
#define PROLORA_GUARDED_MEMORY_H

#include <csetjmp>
#include <string>

namespace prolora_host {

// Catches SIGSEGV/SIGBUS on this thread while it lives (siglongjmp to jump()); other threads'
// faults go to the handler that was installed before (the .NET runtime's).
class FaultScope {
public:
    FaultScope();
    ~FaultScope();
    FaultScope(const FaultScope&) = delete;
    FaultScope& operator=(const FaultScope&) = delete;

    sigjmp_buf* jump() { return &jump_; }

    // The faulting address, after a jump.
    const void* address() const;

private:
    sigjmp_buf jump_;
};

// Where an address lies: past the end of, before, or outside every live allocation.
std::string describe_address(const void* address);

}  // namespace prolora_host

#endif
