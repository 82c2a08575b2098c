#include "initd/run/tag_lookup.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace fastinit {

BackgroundTagLookup::BackgroundTagLookup(Lookup lookup)
    : m_lookup(std::move(lookup)), m_wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

BackgroundTagLookup::~BackgroundTagLookup() {
    {
        LockGuard lock(m_mutex);
        m_stopping = true;
    }
    if (m_worker.joinable())
        m_worker.join();
}

std::optional<bool> BackgroundTagLookup::answer(const std::string& tag, const std::string& value) {
    Key key{tag, value};
    LockGuard lock(m_mutex);
    if (auto known = m_answers.find(key); known != m_answers.end())
        return known->second;
    m_queued.insert(std::move(key));
    if (m_running || m_stopping)
        return std::nullopt;
    // The worker from before has returned (it cleared m_running last
    // under this lock), so joining it does not wait on a lookup.
    if (m_worker.joinable())
        m_worker.join();
    m_running = true;
    try {
        m_worker = std::thread([this] { work(); });
    } catch (const std::system_error&) {
        m_running = false;  // no thread (a limit): the next cue tries again
    }
    return std::nullopt;
}

void BackgroundTagLookup::forget() {
    LockGuard lock(m_mutex);
    m_answers.clear();
}

void BackgroundTagLookup::drain_wake_fd() {
    uint64_t count;
    while (m_wake.valid() && ::read(m_wake.get(), &count, sizeof count) > 0) {
    }
}

void BackgroundTagLookup::work() {
    for (;;) {
        Key key;
        std::chrono::steady_clock::time_point not_before;
        {
            LockGuard lock(m_mutex);
            if (m_queued.empty() || m_stopping) {
                m_running = false;
                return;
            }
            key = *m_queued.begin();
            not_before = m_last_start + kMinInterval;
        }
        std::this_thread::sleep_until(not_before);
        {
            LockGuard lock(m_mutex);
            m_last_start = std::chrono::steady_clock::now();
        }
        bool found = m_lookup(key.first, key.second);
        {
            LockGuard lock(m_mutex);
            m_queued.erase(key);
            m_answers[key] = found;
        }
        if (m_wake.valid()) {
            uint64_t one = 1;
            [[maybe_unused]] ssize_t n = ::write(m_wake.get(), &one, sizeof one);
        }
    }
}

}  // namespace fastinit
