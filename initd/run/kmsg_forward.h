// Forwards the journal lines of units whose output is "kmsg" to the kernel
// log, tagged with the unit and pid ("<6>web[812]: listening").
//
// Rule: the kernel keeps at most 10 records per 5 s of each writer of
// /dev/kmsg and drops the rest, naming no one ("N output lines suppressed
// due to ratelimiting"). So each unit gets a file of its own and fastinit
// holds to the same budget itself: a line past it is not written, and once
// the unit may write again a record says how many of its lines were held
// back. Every line stays in the journal (`fastinit logs UNIT`) either way.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "base/rate_limit.h"
#include "base/unique_fd.h"
#include "initd/run/journal.h"

namespace fastinit {

class KmsgForward {
  public:
    static constexpr unsigned kBurst = 10;
    static constexpr std::chrono::seconds kInterval{5};

    // `path`: /dev/kmsg (tests name a file of their own).
    explicit KmsgForward(std::string path = "/dev/kmsg") : m_path(std::move(path)) {}

    void forward(const JournalLine& line, std::chrono::steady_clock::time_point now);
    // Lines held back so far, of all units.
    uint64_t held_back() const { return m_held_back; }

  private:
    struct Writer {
        UniqueFd fd;
        RateLimit budget{kInterval, kBurst};
    };
    std::string m_path;
    std::map<std::string, Writer, std::less<>> m_writers;
    uint64_t m_held_back = 0;
};

}  // namespace fastinit
