#include "cli/log_since.h"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

#include "base/duration.h"

namespace fastinit {
namespace {

const char kSinceForms[] =
    "expected -DURATION (-5min), YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], @SECONDS or now";

// Exactly `digits` decimal digits at text[at...].
bool digits_at(std::string_view text, size_t at, size_t digits, int& value) {
    if (at + digits > text.size())
        return false;
    value = 0;
    for (size_t i = at; i < at + digits; ++i) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

// YYYY-MM-DD[( |T)HH:MM[:SS]] in local time.
Result<int64_t> parse_local_time(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    bool ok = digits_at(text, 0, 4, year) && text.size() >= 10 && text[4] == '-' &&
              digits_at(text, 5, 2, month) && text[7] == '-' && digits_at(text, 8, 2, day);
    if (ok && text.size() > 10) {
        ok = (text[10] == ' ' || text[10] == 'T') && digits_at(text, 11, 2, hour) &&
             text.size() >= 16 && text[13] == ':' && digits_at(text, 14, 2, minute);
        if (ok && text.size() > 16)
            ok = text.size() == 19 && text[16] == ':' && digits_at(text, 17, 2, second);
    }
    if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return Error{"\"" + std::string(text) + "\": " + kSinceForms, 0};
    struct tm local {};
    local.tm_year = year - 1900;
    local.tm_mon = month - 1;
    local.tm_mday = day;
    local.tm_hour = hour;
    local.tm_min = minute;
    local.tm_sec = second;
    local.tm_isdst = -1;  // whatever daylight saving time the day had
    time_t seconds = ::mktime(&local);
    // mktime normalizes: 2026-02-31 would become March 3rd.
    if (seconds == static_cast<time_t>(-1) || local.tm_mday != day || local.tm_mon != month - 1)
        return Error{"\"" + std::string(text) + "\": no such time", 0};
    return static_cast<int64_t>(seconds) * 1000000;
}

}  // namespace

Result<int64_t> parse_since(std::string_view text, int64_t now_us) {
    if (text == "now")
        return now_us;
    if (text.starts_with("-")) {
        auto duration = parse_duration(text.substr(1));
        if (!duration)
            return Error{"\"" + std::string(text) + "\": " + duration.error().message, 0};
        return now_us - static_cast<int64_t>(duration->count());
    }
    if (text.starts_with("@")) {
        int64_t seconds = 0;
        std::string_view number = text.substr(1);
        auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), seconds);
        if (number.empty() || error != std::errc() || end != number.data() + number.size() ||
            seconds < 0 || seconds > INT64_MAX / 1000000)
            return Error{"\"" + std::string(text) + "\": " + kSinceForms, 0};
        return seconds * 1000000;
    }
    return parse_local_time(text);
}

Result<uint64_t> parse_boot_offset(std::string_view text) {
    if (text == "PREV")
        return 1;
    if (text == "0")
        return 0;
    uint64_t back = 0;
    if (text.size() >= 2 && text[0] == '-' && text[1] != '0') {
        std::string_view number = text.substr(1);
        auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), back);
        if (error == std::errc() && end == number.data() + number.size() && back <= 1000000)
            return back;
    }
    return Error{"\"" + std::string(text) + "\": expected PREV, -N (N boots before) or 0", 0};
}

}  // namespace fastinit
