// The manager's end of the sd_notify(3) protocol: a datagram socket that
// receives "READY=1"-style messages with the sender's credentials attached
// (SO_PASSCRED), so each message can be tied to the unit that sent it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "initd/run/fd_closer.h"

namespace fastinit {

struct NotifyDatagram {
    pid_t pid = 0;  // 0: no credentials came with it
    uid_t uid = 0;
    std::string text;
    // Fds the sender passed. Give them to dispose(): closing them answers
    // BARRIER=1, and must not be done on the main thread (fd_closer.h).
    std::vector<UniqueFd> fds;
    // Why the datagram must be ignored unparsed (longer than the protocol
    // allows, or its control data was cut); empty when it is whole.
    std::string problem;
};

class NotifySocket {
  public:
    // As in systemd: a notification is at most this long.
    static constexpr size_t kMaxDatagram = 4096;

    static Result<NotifySocket> bind(const std::string& path);

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }
    // Next datagram, or nullopt when none is waiting.
    std::optional<NotifyDatagram> receive();
    // Closes fds a datagram brought, so that none can block the caller.
    // Returns the pid of the child that closes them, or 0.
    pid_t dispose(std::vector<UniqueFd> fds) { return m_closer.close(std::move(fds)); }

  private:
    UniqueFd m_fd;
    std::string m_path;
    FdCloser m_closer;
};

}  // namespace fastinit
