// Reads the services' output pipes on the manager's event loop into the
// journal.
//
// Rule: PID 1 never blocks on a pipe and never loses what it read. Each
// pipe's read end is non-blocking and watched by sd-event; each wakeup reads
// at most one pipe buffer (kReadChunk), so a service that writes without
// pause shares the loop with the others and with the bus, signals and
// timers (its sources run below their priority) and, while PID 1 is busy
// elsewhere, waits on its own full pipe: it is slowed, not cut. Lines are
// made by OutputLines and stamped with the unit, the pid that was started
// with the pipe (its children share the pipe and the pid), CLOCK_REALTIME
// and CLOCK_BOOTTIME when read. A pipe is read until every writer has
// closed it (the service and whatever it forked), then its last partial
// line is kept.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/unique_fd.h"
#include "initd/run/journal.h"
#include "initd/run/output_lines.h"

namespace fastinit {

class ServiceOutput {
  public:
    static constexpr size_t kReadChunk = 64 * 1024;

    // `forward`, when set, also sees every line, with whether its unit's
    // output is "kmsg" (the console in a PID namespace, where the service's
    // output used to go; the kernel log on a real boot).
    using Forward = std::function<void(const JournalLine&, bool to_kmsg)>;
    ServiceOutput(sd_event* event, Journal& journal, Forward forward = {});
    ~ServiceOutput();
    ServiceOutput(const ServiceOutput&) = delete;
    ServiceOutput& operator=(const ServiceOutput&) = delete;

    // Starts reading `read_end` (the manager's end of a pipe whose other
    // end went to `pid` of `unit`). A pipe that cannot be watched is closed
    // (its writers then get EPIPE) and the reason logged. `to_console`:
    // each line also goes to the manager's standard error (the console), as
    // "fastinit[UNIT]: TEXT", for the boot's own messages (stage 2's).
    void watch(const std::string& unit, pid_t pid, UniqueFd read_end, bool to_kmsg = false,
               bool to_console = false);

    size_t open_pipes() const { return m_pipes.size(); }
    uint64_t cut_lines() const { return m_cut_lines; }

  private:
    struct Pipe {
        ServiceOutput* owner = nullptr;
        std::string unit;
        pid_t pid = 0;
        bool to_kmsg = false;
        bool to_console = false;
        UniqueFd fd;
        sd_event_source* source = nullptr;
        OutputLines lines;
    };
    static int on_readable(sd_event_source*, int fd, uint32_t events, void* pipe);
    void read_some(Pipe& pipe);
    void close_pipe(Pipe& pipe);
    void store(const Pipe& pipe, int priority, std::string_view text);

    sd_event* m_event;
    Journal& m_journal;
    Forward m_forward;
    std::map<Pipe*, std::unique_ptr<Pipe>> m_pipes;
    std::unique_ptr<char[]> m_buffer{new char[kReadChunk]};
    uint64_t m_cut_lines = 0;
};

// The time stamps the journal keeps: CLOCK_REALTIME and CLOCK_BOOTTIME, µs.
long long realtime_now_us();

}  // namespace fastinit
