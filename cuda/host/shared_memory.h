// Shared memory in the host shim: PROLORA_SHARED / PROLORA_DYNAMIC_SHARED (common.cuh) declare a
// SharedArray here (a plain __shared__ array under NVRTC). Each element access is bounds-checked
// and checked for races: between two barriers, two threads touching one element with at least one
// write is reported, as a GPU would not order them.
#ifndef PROLORA_SHARED_MEMORY_H
#define PROLORA_SHARED_MEMORY_H

#include <cstring>
#include <string>
#include <type_traits>

#include "block_runtime.h"

namespace prolora_host {

// One element of a shared array: reads and writes go through the race check.
template <typename T>
class SharedRef {
public:
    SharedRef(T* element, SharedAccess* access, const char* name, long long index) : element_(element), access_(access), name_(name), index_(index) {}

    operator T() const {
        check(false);
        return *element_;
    }

    SharedRef& operator=(T value) {
        check(true);
        *element_ = value;
        return *this;
    }

    SharedRef& operator=(const SharedRef& other) { return *this = static_cast<T>(other); }
    SharedRef& operator+=(T value) { return *this = static_cast<T>(*this) + value; }
    SharedRef& operator-=(T value) { return *this = static_cast<T>(*this) - value; }
    SharedRef& operator*=(T value) { return *this = static_cast<T>(*this) * value; }
    SharedRef& operator/=(T value) { return *this = static_cast<T>(*this) / value; }

private:
    void check(bool write) const {
        SharedAccess& a = *access_;
        unsigned epoch = barrier_epoch();
        int me = thread_rank();
        if (a.epoch != epoch) {
            a = SharedAccess{epoch, -1, -1, false};
        }
        if (a.writer >= 0 && a.writer != me) {
            race(write ? "writes" : "reads", "wrote", a.writer);
        }
        if (write) {
            if (a.many_readers || (a.reader >= 0 && a.reader != me)) {
                race("writes", "read", a.reader != me ? a.reader : -1);
            }
            a.writer = me;
        } else if (a.reader < 0) {
            a.reader = me;
        } else if (a.reader != me) {
            a.many_readers = true;
        }
    }

    [[noreturn]] void race(const char* doing, const char* did, int other) const {
        fail(std::string("shared-memory race on ") + name_ + "[" + std::to_string(index_) + "] between barriers: this thread " + doing +
             " it after thread " + (other >= 0 ? std::to_string(other) : std::string("another")) + " " + did +
             " it (separate them with __syncthreads)");
    }

    T* element_;
    SharedAccess* access_;
    const char* name_;
    long long index_;
};

// A block's shared array of T.
template <typename T>
class SharedArray {
    static_assert(std::is_trivially_copyable<T>::value, "shared arrays hold plain values");

public:
    SharedArray(SharedRegion& region, const char* name) : region_(&region), name_(name), count_(static_cast<long long>(region.access.size())) {}

    SharedRef<T> operator[](long long index) const {
        if (index < 0 || index >= count_) {
            fail(std::string("shared array ") + name_ + "[" + std::to_string(index) + "] is out of bounds (" + std::to_string(count_) + " elements)");
        }
        return SharedRef<T>(reinterpret_cast<T*>(region_->data.data()) + index, &region_->access[static_cast<std::size_t>(index)], name_, index);
    }

private:
    SharedRegion* region_;
    const char* name_;
    long long count_;
};

}  // namespace prolora_host

#endif
