// Closes file descriptors that any local process can hand to PID 1 (with
// SCM_RIGHTS on the notify socket), without letting one of them block it.
//
// The close() that drops a file's last reference runs the file's release in
// the closing task: a TCP socket with SO_LINGER and unsent data waits for up
// to its linger time, a FUSE file for its daemon to answer FLUSH, a serial
// tty for its output to drain. PID 1's main thread must never wait on that
// (no reaping, no bus, no shutdown meanwhile), so:
//  - sockets lose their linger first (SO_LINGER off: close() returns at once
//    and the kernel sends what is left in the background);
//  - the close itself runs in a short-lived child that shares the fd table
//    (CLONE_FILES) and the memory (CLONE_VM, so a child stuck for an hour
//    pins nothing but its small stack): if a close blocks, it blocks the
//    child alone. The manager's SIGCHLD handling reaps it as an orphan;
//  - when no child can be made (pids exhausted, or kMaxChildren children
//    still stuck), the main thread closes them itself, linger disarmed.
#pragma once

#include <sys/types.h>

#include <memory>
#include <vector>

#include "base/unique_fd.h"

namespace fastinit {

class FdCloser {
  public:
    static constexpr size_t kMaxChildren = 64;

    FdCloser();
    FdCloser(FdCloser&&) noexcept;
    FdCloser& operator=(FdCloser&&) noexcept;
    ~FdCloser();

    // Closes every fd; returns the pid of the (last) child that does it (the
    // caller or its SIGCHLD handling reaps it), or 0 when they were closed
    // here.
    pid_t close(std::vector<UniqueFd> fds);

    // Children that may still be closing (their stacks are in use).
    size_t busy() const;

    struct Slot;  // one child's stack and fds (fd_closer.cpp)

  private:
    Slot* free_slot();
    pid_t close_batch(UniqueFd* fds, size_t count);

    std::vector<std::unique_ptr<Slot>> m_slots;
};

}  // namespace fastinit
