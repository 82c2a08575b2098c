// A budget for log lines that anyone can trigger (stray notify datagrams,
// refused bus connections): at most `burst` events per `interval`, and a
// count of what was refused so the caller can say how much it left out.
#pragma once

#include <chrono>
#include <cstdint>

namespace fastinit {

class RateLimit {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    using Duration = std::chrono::steady_clock::duration;

    RateLimit(Duration interval, unsigned burst) : m_interval(interval), m_burst(burst) {}

    // True when this event fits the budget of the current interval.
    bool allow(TimePoint now);
    // Events refused since the last call, which resets the count. Callers
    // log it ("suppressed K") once they are allowed to log again.
    uint64_t take_suppressed();

  private:
    Duration m_interval;
    unsigned m_burst;
    TimePoint m_window_start{};
    unsigned m_used = 0;
    uint64_t m_suppressed = 0;
};

}  // namespace fastinit
