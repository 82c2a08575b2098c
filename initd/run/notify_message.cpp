#include "initd/run/notify_message.h"

#include <charconv>

namespace fastinit {
namespace {

template <typename Int>
std::optional<Int> parse_int(std::string_view text) {
    Int value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

}  // namespace

NotifyMessage parse_notify_message(std::string_view datagram) {
    NotifyMessage message;
    while (!datagram.empty()) {
        size_t end = datagram.find('\n');
        std::string_view line = datagram.substr(0, end);
        datagram.remove_prefix(end == std::string_view::npos ? datagram.size() : end + 1);
        size_t eq = line.find('=');
        if (eq == std::string_view::npos)
            continue;
        std::string_view name = line.substr(0, eq);
        std::string_view value = line.substr(eq + 1);
        if (name == "READY")
            message.ready = value == "1";
        else if (name == "STOPPING")
            message.stopping = value == "1";
        else if (name == "RELOADING")
            message.reloading = value == "1";
        else if (name == "BARRIER")
            message.barrier = value == "1";
        else if (name == "STATUS")
            message.status = std::string(value.substr(0, 1024));
        else if (name == "MAINPID") {
            auto pid = parse_int<pid_t>(value);
            if (pid && *pid > 0)
                message.main_pid = pid;
        } else if (name == "WATCHDOG") {
            if (value == "1")
                message.watchdog_pet = true;
            else if (value == "trigger")
                message.watchdog_trigger = true;
        } else if (name == "WATCHDOG_USEC") {
            if (auto usec = parse_int<uint64_t>(value))
                message.watchdog_usec = usec;
        } else if (name == "ERRNO") {
            auto e = parse_int<int>(value);
            if (e && *e >= 0)
                message.errno_value = e;
        }
    }
    return message;
}

}  // namespace fastinit
