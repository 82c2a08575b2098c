#include "base/duration.h"

#include <cctype>
#include <cstdio>

namespace fastinit {
namespace {

struct UnitSuffix {
    std::string_view name;
    long long microseconds;
};

constexpr UnitSuffix kSuffixes[] = {
    {"us", 1},           {"ms", 1000},         {"s", 1000000},
    {"sec", 1000000},    {"m", 60000000},      {"min", 60000000},
    {"h", 3600000000LL}, {"hr", 3600000000LL}, {"d", 86400000000LL},
};

// Durations longer than a year are almost certainly typos.
constexpr long long kMaxMicroseconds = 366LL * 86400000000LL;

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
    size_t i = 0;
    long long total = 0;
    bool any = false;
    auto invalid = [&](std::string why) {
        return Error{"invalid duration \"" + std::string(text) + "\": " + why};
    };
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        if (i == text.size())
            break;
        if (!std::isdigit(static_cast<unsigned char>(text[i])))
            return invalid("expected a number");
        long long whole = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            whole = whole * 10 + (text[i] - '0');
            if (whole > kMaxMicroseconds)
                return invalid("too large");
            ++i;
        }
        double fraction = 0;
        if (i < text.size() && text[i] == '.') {
            ++i;
            double scale = 0.1;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                fraction += (text[i] - '0') * scale;
                scale /= 10;
                ++i;
            }
        }
        // "5 s" reads like "5s"; spaces before another number end the term.
        size_t unit_start = i;
        while (unit_start < text.size() &&
               std::isspace(static_cast<unsigned char>(text[unit_start])))
            ++unit_start;
        if (unit_start < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_start])))
            i = unit_start;
        size_t start = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
            ++i;
        std::string_view suffix = text.substr(start, i - start);
        long long unit = 1000000;  // bare numbers are seconds
        if (!suffix.empty()) {
            unit = 0;
            for (const auto& s : kSuffixes)
                if (s.name == suffix)
                    unit = s.microseconds;
            if (unit == 0)
                return invalid("unknown unit \"" + std::string(suffix) +
                               "\" (use us, ms, s, min, h or d)");
        }
        long double value = (static_cast<long double>(whole) + fraction) * unit;
        if (value > kMaxMicroseconds)
            return invalid("too large");
        total += static_cast<long long>(value);
        if (total > kMaxMicroseconds)
            return invalid("too large");
        any = true;
    }
    if (!any)
        return invalid("empty");
    return Duration(total);
}

std::string format_duration(Duration duration) {
    long long us = duration.count();
    char buf[64];
    // Each unit ends where three significant digits would round up to the
    // next one (999.9ms is "1s", not "1e+03ms"; 59.99s is "1min 0s", not "60s").
    if (us < 1000) {
        std::snprintf(buf, sizeof buf, "%lldus", us);
    } else if (us < 999500) {
        std::snprintf(buf, sizeof buf, "%.3gms", us / 1000.0);
    } else if (us < 59950000) {
        std::snprintf(buf, sizeof buf, "%.3gs", us / 1e6);
    } else {
        long long minutes = us / 60000000, rest = us % 60000000;
        if (rest >= 59950000) {
            ++minutes;
            rest = 0;
        }
        std::snprintf(buf, sizeof buf, "%lldmin %.3gs", minutes, rest / 1e6);
    }
    return buf;
}

}  // namespace fastinit
