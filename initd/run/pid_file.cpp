#include "initd/run/pid_file.h"

#include <string>

namespace fastinit {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<pid_t> parse_pid_file(std::string_view text) {
    if (text.size() > kMaxPidFileSize)
        return Error{"it is longer than " + std::to_string(kMaxPidFileSize) + " bytes"};
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    if (text.empty())
        return Error{"it is empty"};
    // pid_max is at most 2^22; ten digits would already overflow pid_t.
    if (text.size() > 9)
        return Error{"it does not hold a pid (too many digits)"};
    long long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return Error{"it does not hold a pid (only digits are allowed)"};
        value = value * 10 + (c - '0');
    }
    if (value <= 1)
        return Error{"it names pid " + std::to_string(value) + ", which no daemon can be"};
    return static_cast<pid_t>(value);
}

}  // namespace fastinit
