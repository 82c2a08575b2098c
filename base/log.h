// Logging for the binaries (manager and client verbs). Library code does not
// log; it returns errors and the caller logs once.
//
// The manager logs to the console (stderr) and, when it is PID 1 of the real
// machine, to /dev/kmsg so messages survive in dmesg.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace fastinit::log {

enum class Level { debug, info, warning, error };

void set_min_level(Level level);
// Also write every message to /dev/kmsg (early boot: the kernel log is the
// only log there is).
void enable_kmsg();
void set_prefix(std::string prefix);

void write(Level level, std::string_view message);
// Without the "error: "/"warning: " tag, for messages that carry their own
// (such as unit file diagnostics).
void write_untagged(Level level, std::string_view message);

template <typename... Args>
std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

template <typename... Args>
void debug(const Args&... args) {
    write(Level::debug, cat(args...));
}
template <typename... Args>
void info(const Args&... args) {
    write(Level::info, cat(args...));
}
template <typename... Args>
void warning(const Args&... args) {
    write(Level::warning, cat(args...));
}
template <typename... Args>
void error(const Args&... args) {
    write(Level::error, cat(args...));
}

}  // namespace fastinit::log
