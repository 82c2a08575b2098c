// The sd_notify(3) datagram protocol: newline-separated NAME=value lines.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fastinit {

struct NotifyMessage {
    bool ready = false;
    bool stopping = false;
    bool reloading = false;
    bool barrier = false;  // BARRIER=1: the sender waits for us to close its fd
    std::optional<std::string> status;
    std::optional<pid_t> main_pid;
    std::optional<int> errno_value;
    // WATCHDOG=1 pets the service's watchdog, WATCHDOG=trigger fails it at
    // once, WATCHDOG_USEC=N sets a new timeout (0: off) and pets.
    bool watchdog_pet = false;
    bool watchdog_trigger = false;
    std::optional<uint64_t> watchdog_usec;
};

// Unknown names are ignored, as systemd does; malformed values are dropped.
NotifyMessage parse_notify_message(std::string_view datagram);

}  // namespace fastinit
