#include "base/signal_name.h"

#include <charconv>
#include <csignal>
#include <cstring>

namespace fastinit {
namespace {

struct Named {
    const char* name;
    int signal;
};

// The classic signals a service may want; real-time ones are RTMIN+N.
constexpr Named kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ABRT", SIGABRT},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},
    {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"WINCH", SIGWINCH},
    {"PWR", SIGPWR},   {"URG", SIGURG},   {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
};

}  // namespace

Result<int> parse_signal_name(std::string_view text) {
    std::string_view name = text;
    if (name.starts_with("SIG"))
        name.remove_prefix(3);
    for (const auto& s : kSignals)
        if (name == s.name)
            return s.signal;
    if (name == "RTMIN")
        return SIGRTMIN;
    if (name.starts_with("RTMIN+")) {
        std::string_view digits = name.substr(6);
        int offset = -1;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
        if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() &&
            offset >= 0 && offset <= SIGRTMAX - SIGRTMIN)
            return SIGRTMIN + offset;
    }
    return Error{
        "expected a signal name such as \"SIGTERM\", \"SIGHUP\", \"SIGINT\", "
        "\"SIGUSR1\" or \"SIGRTMIN+3\""};
}

std::string signal_name(int signal) {
    if (signal >= SIGRTMIN && signal <= SIGRTMAX)
        return signal == SIGRTMIN ? "RTMIN" : "RTMIN+" + std::to_string(signal - SIGRTMIN);
    // sigabbrev_np knows only the classic signals and returns NULL for
    // real-time ones and anything out of range.
    if (const char* name = sigabbrev_np(signal))
        return name;
    return "unknown";
}

}  // namespace fastinit
