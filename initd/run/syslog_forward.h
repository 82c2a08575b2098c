// Forwards the journal's lines (the services', the manager's own, stage 1's
// and stage 2's) to the syslog socket (/dev/log) once a syslog daemon has
// made it, so that rsyslog files them under the unit's name:
// "<PRI>Dec  6 12:00:01 web[812]: listening" (RFC 3164, facility daemon).
//
// Rule: PID 1 never waits for the syslog daemon. The forwarder reads the
// journal from its cursor on the event loop (pump, after each round of
// events), as a follower would; each line is one datagram sent without
// blocking. A line the socket does not take (its buffer is full, the daemon
// is gone) is counted, and the next line that goes is preceded by one saying
// how many did not (the journal has them all). While there is no socket,
// PID 1 tries to connect at most once a second and the cursor stays: the
// first daemon gets what the journal holds from before it was up, once (and
// the journal's own "N lines dropped" line for what it no longer holds).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/unique_fd.h"
#include "initd/run/journal.h"

namespace fastinit {

class SyslogForward {
  public:
    using TimePoint = std::chrono::steady_clock::time_point;
    static constexpr std::chrono::seconds kRetry{1};

    // At most this many lines go in one pump; more wait for the next.
    static constexpr size_t kPumpLines = 4096;

    SyslogForward(const Journal& journal, std::string path = "/dev/log")
        : m_journal(journal), m_path(std::move(path)) {}

    // Sends the journal's lines after the cursor, up to kPumpLines; true
    // when more are waiting (pump again soon).
    bool pump(TimePoint now);
    uint64_t sent() const { return m_sent; }
    uint64_t not_sent() const { return m_not_sent; }

  private:
    bool connected(TimePoint now);
    bool send(const std::string& datagram);
    void forward(const JournalLine& line);

    const Journal& m_journal;
    uint64_t m_cursor = 0;
    std::string m_path;
    UniqueFd m_fd;
    TimePoint m_next_try{};
    uint64_t m_sent = 0;
    uint64_t m_not_sent = 0;
    uint64_t m_not_sent_told = 0;  // of m_not_sent, what a note has said
};

// One line as a syslog datagram (facility daemon; `realtime_us` as local
// time).
std::string syslog_datagram(const JournalLine& line);

}  // namespace fastinit
