// Logging for the binaries (manager and client verbs). Library code does not
// log; it returns errors and the caller logs once.
//
// The manager logs to the console (stderr) and, when it is PID 1 of the real
// machine, to /dev/kmsg so messages survive in dmesg; and every message that
// passes the level also goes to the sink, when one is set (PID 1's journal).
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace fastinit::log {

enum class Level { debug, info, warning, error };

void set_min_level(Level level);
// Also write every message to /dev/kmsg (early boot: the kernel log is the
// only log there is).
void enable_kmsg();
void set_prefix(std::string prefix);

// Receives every message logged (that passes the minimum level), with its
// syslog priority, from whichever thread logs it. It must not log itself.
// Setting a null sink returns once no call to the old one is running.
using Sink = void (*)(void* context, int priority, std::string_view message);
void set_sink(Sink sink, void* context);

void write(Level level, std::string_view message);
// Without the "error: "/"warning: " tag, for messages that carry their own
// (such as unit file diagnostics).
void write_untagged(Level level, std::string_view message);

// Message building without iostreams: an ostringstream would make every
// process that logs (PID 1 above all) set up the C++ locale machinery and
// keep ~0.7 MiB more of libstdc++ resident.
namespace detail {
inline void append(std::string& out, std::string_view text) {
    out += text;
}
inline void append(std::string& out, const char* text) {
    out += text;
}
inline void append(std::string& out, char c) {
    out += c;
}
inline void append(std::string& out, bool value) {
    out += value ? '1' : '0';
}
// Every integer type as a number (an ostream would print 8-bit ones as
// characters).
template <std::integral T>
void append(std::string& out, T value) {
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, end);
}
// As an ostream prints it by default: six significant digits (%g).
void append(std::string& out, double value);
// Any other pointer would silently convert to bool and print "1".
template <typename T>
void append(std::string& out, const T* pointer) = delete;
}  // namespace detail

template <typename... Args>
std::string cat(const Args&... args) {
    std::string out;
    (detail::append(out, args), ...);
    return out;
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
