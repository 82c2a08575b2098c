#include "initd/run/fd_closer.h"

#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace fastinit {
namespace {

constexpr size_t kMaxFds = 253;  // SCM_MAX_FD: the most one datagram carries
constexpr size_t kStackSize = 16 * 1024;

// close(2) without libc. The child shares the memory and, having no TLS of
// its own, the thread pointer of the thread that cloned it: libc's close()
// would write a failure into that thread's errno, and as a cancellation
// point it touches that thread's descriptor, while that thread runs on.
__attribute__((always_inline)) inline void raw_close(int fd) {
#if defined(__x86_64__)
    long result;
    asm volatile("syscall"
                 : "=a"(result)
                 : "0"(static_cast<long>(SYS_close)), "D"(static_cast<long>(fd))
                 : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 asm("x8") = SYS_close;
    register long x0 asm("x0") = fd;
    asm volatile("svc 0" : "+r"(x0) : "r"(x8) : "memory");
#else
    syscall(SYS_close, fd);  // only sets errno if the close fails
#endif
}

}  // namespace

struct FdCloser::Slot {
    // Non-zero while a child may use this slot: set before the clone and
    // cleared by the kernel once the child has exited (CLONE_CHILD_CLEARTID),
    // when it no longer touches its stack.
    pid_t tid = 0;
    size_t count = 0;
    int fds[kMaxFds];
    alignas(16) char stack[kStackSize];
};

namespace {

// The child: closes and exits (returning from here is a raw exit). No
// sanitizer runtime, no libc: see raw_close.
__attribute__((no_sanitize("address", "undefined"))) int close_main(void* arg) {
    auto* slot = static_cast<FdCloser::Slot*>(arg);
    for (size_t i = 0; i < slot->count; ++i)
        raw_close(slot->fds[i]);
    return 0;
}

bool in_use(const pid_t& tid) {
    return __atomic_load_n(&tid, __ATOMIC_ACQUIRE) != 0;
}

}  // namespace

// A child still closing runs on its slot's stack: that memory is never
// freed (it is small, and only a hostile sender makes a child block).
static void abandon_busy_slots(std::vector<std::unique_ptr<FdCloser::Slot>>& slots) {
    for (auto& slot : slots)
        if (in_use(slot->tid))
            (void)slot.release();
}

FdCloser::FdCloser() = default;
FdCloser::FdCloser(FdCloser&&) noexcept = default;

FdCloser& FdCloser::operator=(FdCloser&& other) noexcept {
    abandon_busy_slots(m_slots);
    m_slots = std::move(other.m_slots);
    return *this;
}

FdCloser::~FdCloser() {
    abandon_busy_slots(m_slots);
}

size_t FdCloser::busy() const {
    return static_cast<size_t>(std::count_if(m_slots.begin(), m_slots.end(),
                                             [](const auto& slot) { return in_use(slot->tid); }));
}

FdCloser::Slot* FdCloser::free_slot() {
    // Reuse one finished slot and give the memory of the others back.
    Slot* found = nullptr;
    std::erase_if(m_slots, [&](const std::unique_ptr<Slot>& slot) {
        if (in_use(slot->tid))
            return false;
        if (!found) {
            found = slot.get();
            return false;
        }
        return true;
    });
    if (found)
        return found;
    if (m_slots.size() >= kMaxChildren)
        return nullptr;
    m_slots.push_back(std::unique_ptr<Slot>(new Slot));
    return m_slots.back().get();
}

pid_t FdCloser::close(std::vector<UniqueFd> fds) {
    // Whoever closes a socket then does not wait for its unsent data.
    for (const UniqueFd& fd : fds) {
        linger off{0, 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &off, sizeof off);  // ENOTSOCK: fine
    }
    pid_t pid = 0;
    for (size_t begin = 0; begin < fds.size(); begin += kMaxFds)
        pid = close_batch(fds.data() + begin, std::min(kMaxFds, fds.size() - begin));
    return pid;  // what no child took closes here, with the vector
}

pid_t FdCloser::close_batch(UniqueFd* fds, size_t count) {
    Slot* slot = free_slot();
    if (!slot)
        return 0;
    slot->count = count;
    for (size_t i = 0; i < count; ++i)
        slot->fds[i] = fds[i].get();
    __atomic_store_n(&slot->tid, -1, __ATOMIC_RELEASE);

    // Every signal blocked across the clone: the child keeps that mask, so
    // no handler ever runs on its small stack.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::clone(close_main, slot->stack + kStackSize,
                        CLONE_VM | CLONE_FILES | CLONE_CHILD_CLEARTID | SIGCHLD, slot, nullptr,
                        nullptr, &slot->tid);
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) {
        __atomic_store_n(&slot->tid, 0, __ATOMIC_RELEASE);
        return 0;
    }
    for (size_t i = 0; i < count; ++i)
        (void)fds[i].release();  // the child's now
    return pid;
}

}  // namespace fastinit
