// Forwards the services' journal lines to the syslog socket (/dev/log) once
// a syslog daemon has made it, so that rsyslog files them under the unit's
// name: "<PRI>Dec  6 12:00:01 web[812]: listening" (RFC 3164, facility
// daemon).
//
// Rule: PID 1 never waits for the syslog daemon. Each line is one datagram
// sent without blocking; a line the socket does not take (its buffer is
// full, the daemon is gone) is counted, and the next line that goes is
// preceded by one saying how many did not (the journal has them all). While
// there is no socket, PID 1 tries to connect at most once a second. Lines
// from before the daemon was up are not sent again.
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

    explicit SyslogForward(std::string path = "/dev/log") : m_path(std::move(path)) {}

    void forward(const JournalLine& line, TimePoint now);
    uint64_t sent() const { return m_sent; }
    uint64_t not_sent() const { return m_not_sent; }

  private:
    bool connected(TimePoint now);
    bool send(const std::string& datagram);

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
