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

namespace fastinit {

struct NotifyDatagram {
    pid_t pid = 0;
    uid_t uid = 0;
    std::string text;
    std::vector<UniqueFd> fds;  // closing them answers BARRIER=1
};

class NotifySocket {
  public:
    static Result<NotifySocket> bind(const std::string& path);

    int fd() const { return m_fd.get(); }
    const std::string& path() const { return m_path; }
    // Next datagram, or nullopt when none is waiting.
    std::optional<NotifyDatagram> receive();

  private:
    UniqueFd m_fd;
    std::string m_path;
};

}  // namespace fastinit
