// std::mutex and std::shared_mutex as capabilities clang's thread-safety
// analysis knows (base/thread_annotations.h), with scoped locks it
// understands. Same cost as the std types they wrap; every mutex in the
// project is one of these, so every piece of data it guards can say so.
#pragma once

#include <mutex>
#include <shared_mutex>

#include "base/thread_annotations.h"

namespace fastinit {

class CAPABILITY("mutex") Mutex {
  public:
    void lock() ACQUIRE() { m_mutex.lock(); }
    void unlock() RELEASE() { m_mutex.unlock(); }

  private:
    std::mutex m_mutex;
};

class CAPABILITY("mutex") SharedMutex {
  public:
    void lock() ACQUIRE() { m_mutex.lock(); }
    void unlock() RELEASE() { m_mutex.unlock(); }
    void lock_shared() ACQUIRE_SHARED() { m_mutex.lock_shared(); }
    void unlock_shared() RELEASE_SHARED() { m_mutex.unlock_shared(); }

  private:
    std::shared_mutex m_mutex;
};

// Holds a Mutex, or a SharedMutex exclusively, for its scope.
template <typename M>
class SCOPED_CAPABILITY LockGuard {
  public:
    explicit LockGuard(M& mutex) ACQUIRE(mutex) : m_mutex(mutex) { m_mutex.lock(); }
    ~LockGuard() RELEASE() { m_mutex.unlock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

  private:
    M& m_mutex;
};

// Holds a SharedMutex shared (with other readers) for its scope.
class SCOPED_CAPABILITY SharedLockGuard {
  public:
    explicit SharedLockGuard(SharedMutex& mutex) ACQUIRE_SHARED(mutex) : m_mutex(mutex) {
        m_mutex.lock_shared();
    }
    ~SharedLockGuard() RELEASE() { m_mutex.unlock_shared(); }
    SharedLockGuard(const SharedLockGuard&) = delete;
    SharedLockGuard& operator=(const SharedLockGuard&) = delete;

  private:
    SharedMutex& m_mutex;
};

}  // namespace fastinit
