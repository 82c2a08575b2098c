#include "initd/run/syslog_forward.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "base/log.h"

namespace fastinit {
namespace {

constexpr int kFacilityDaemon = 3;

}  // namespace

std::string syslog_datagram(const JournalLine& line) {
    time_t seconds = static_cast<time_t>(line.realtime_us / 1000000);
    struct tm local {};
    ::localtime_r(&seconds, &local);
    char stamp[32];
    size_t n = std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);
    return log::cat("<", kFacilityDaemon * 8 + line.priority, ">", std::string_view(stamp, n), " ",
                    line.unit, "[", line.pid, "]: ", line.text);
}

bool SyslogForward::connected(TimePoint now) {
    if (m_fd)
        return true;
    if (now < m_next_try)
        return false;
    m_next_try = now + kRetry;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (m_path.size() >= sizeof address.sun_path)
        return false;
    std::memcpy(address.sun_path, m_path.c_str(), m_path.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0)
        return false;
    m_fd = std::move(fd);
    return true;
}

bool SyslogForward::send(const std::string& datagram) {
    if (::send(m_fd.get(), datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
        return true;
    // A full buffer: the daemon is behind. Anything else: it is gone (or was
    // restarted, with a socket of its own), so connect again later.
    if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
        m_fd.reset();
    return false;
}

void SyslogForward::forward(const JournalLine& line) {
    if (m_not_sent > m_not_sent_told) {
        JournalLine note{0,
                         "fastinit",
                         ::getpid(),
                         line.realtime_us,
                         line.boottime_us,
                         kPriorityWarning,
                         log::cat(m_not_sent - m_not_sent_told,
                                  " lines not forwarded to syslog (fastinit logs has them)")};
        if (!send(syslog_datagram(note))) {
            ++m_not_sent;
            return;
        }
        m_not_sent_told = m_not_sent;
    }
    if (send(syslog_datagram(line)))
        ++m_sent;
    else
        ++m_not_sent;
}

bool SyslogForward::pump(TimePoint now) {
    if (m_journal.last_seq() <= m_cursor || !connected(now))
        return false;
    JournalQuery query;
    query.after = m_cursor;
    query.max_lines = kPumpLines;
    query.max_bytes = SIZE_MAX;
    JournalPage page = m_journal.read(query);
    for (const JournalLine& line : page.lines) {
        if (line.seq != 0) {
            forward(line);
            continue;
        }
        // The journal's own line ("N lines dropped") has no time: now.
        JournalLine stamped = line;
        timespec realtime{};
        ::clock_gettime(CLOCK_REALTIME, &realtime);
        stamped.realtime_us =
            static_cast<long long>(realtime.tv_sec) * 1000000 + realtime.tv_nsec / 1000;
        forward(stamped);
    }
    m_cursor = page.next;
    return page.more;
}

}  // namespace fastinit
