#include "cli/log_format.h"

#include <ctime>

#include "base/log.h"

namespace fastinit {

const char* priority_name(int priority) {
    static const char* const kNames[] = {"emerg",   "alert",  "crit", "err",
                                         "warning", "notice", "",     "debug"};
    return priority >= 0 && priority <= 7 ? kNames[priority] : "";
}

std::string format_log_line(const LogLine& line) {
    if (line.seq == 0)
        return "-- " + line.text + " --";
    time_t seconds = static_cast<time_t>(line.realtime_us / 1000000);
    struct tm local {};
    ::localtime_r(&seconds, &local);
    char stamp[32];
    size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03d",
                  static_cast<int>((line.realtime_us / 1000) % 1000));
    std::string out =
        log::cat(std::string_view(stamp, n), millis, " ", line.unit, "[", line.pid, "]");
    const char* name = priority_name(line.priority);
    if (*name)
        out += log::cat(" ", name);
    return out + ": " + line.text;
}

}  // namespace fastinit
