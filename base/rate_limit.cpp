#include "base/rate_limit.h"

namespace fastinit {

bool RateLimit::allow(TimePoint now) {
    // A fixed window that opens with the first event after the last one
    // expired (or if the clock went backwards, which steady_clock does not).
    if (m_used == 0 || now - m_window_start >= m_interval || now < m_window_start) {
        m_window_start = now;
        m_used = 0;
    }
    if (m_used < m_burst) {
        ++m_used;
        return true;
    }
    ++m_suppressed;
    return false;
}

uint64_t RateLimit::take_suppressed() {
    uint64_t n = m_suppressed;
    m_suppressed = 0;
    return n;
}

}  // namespace fastinit
