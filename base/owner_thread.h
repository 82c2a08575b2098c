// A check that an object is only used on the thread that made it: the
// manager is single-threaded by design (TBB workers only create processes
// and hand results back through the launcher's queue), and a call from a
// worker would be a data race no test need hit to be wrong. The object
// records its thread when made; each entry point calls check(). The check
// aborts, naming the entry point, in builds configured with
// -Dmain_thread_check=true (FASTINIT_MAIN_THREAD_CHECK; the sanitizer build
// of scripts/test), and costs nothing elsewhere: every build has NDEBUG, so
// assert() would never fire.
#pragma once

#include <thread>

#ifndef FASTINIT_MAIN_THREAD_CHECK
#define FASTINIT_MAIN_THREAD_CHECK 0
#endif

namespace fastinit {

class OwnerThread {
  public:
    OwnerThread() : m_owner(std::this_thread::get_id()) {}

    bool is_current() const { return std::this_thread::get_id() == m_owner; }

    // `entry` names the caller ("Manager::start") in the message.
    void check(const char* entry) const {
        if constexpr (FASTINIT_MAIN_THREAD_CHECK) {
            if (!is_current())
                fail(entry);
        } else {
            (void)entry;
        }
    }

  private:
    // Logs the entry point and aborts: a programming error, not an input.
    [[noreturn]] static void fail(const char* entry);

    std::thread::id m_owner;
};

}  // namespace fastinit
