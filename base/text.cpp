#include "base/text.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "base/result.h"
#include "base/unique_fd.h"

namespace fastinit {

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s`, or 0 when
// the first byte does not begin one (RFC 3629, table 3-7 of Unicode).
size_t utf8_sequence_length(std::string_view s) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    auto in = [&](size_t i, unsigned lo, unsigned hi) {
        return i < s.size() && byte(i) >= lo && byte(i) <= hi;
    };
    unsigned first = byte(0);
    if (first < 0x80)
        return 1;
    if (first >= 0xC2 && first <= 0xDF)
        return in(1, 0x80, 0xBF) ? 2 : 0;
    // sd-bus also refuses the noncharacters (U+FDD0..U+FDEF, and U+xFFFE,
    // U+xFFFF of every plane): a string holding one fails the whole message.
    auto character = [](char32_t c) {
        return !(c >= 0xFDD0 && c <= 0xFDEF) && (c & 0xFFFE) != 0xFFFE;
    };
    if (first >= 0xE0 && first <= 0xEF) {
        unsigned lo = first == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        unsigned hi = first == 0xED ? 0x9F : 0xBF;  // no surrogates
        if (!in(1, lo, hi) || !in(2, 0x80, 0xBF))
            return 0;
        char32_t c = ((first & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
        return character(c) ? 3 : 0;
    }
    if (first >= 0xF0 && first <= 0xF4) {
        unsigned lo = first == 0xF0 ? 0x90 : 0x80;  // no overlong forms
        unsigned hi = first == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
        if (!in(1, lo, hi) || !in(2, 0x80, 0xBF) || !in(3, 0x80, 0xBF))
            return 0;
        char32_t c = ((first & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                     (byte(3) & 0x3F);
        return character(c) ? 4 : 0;
    }
    return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    while (!s.empty()) {
        size_t length = utf8_sequence_length(s);
        if (length == 0)
            return false;
        s.remove_prefix(length);
    }
    return true;
}

std::string to_valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        size_t length = utf8_sequence_length(s);
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
            length = 1;
        } else {
            out.append(s.substr(0, length));
        }
        s.remove_prefix(length);
    }
    return out;
}

std::string closest_match(std::string_view word, const std::vector<std::string_view>& candidates) {
    std::string_view best;
    size_t best_distance = SIZE_MAX;
    for (auto candidate : candidates) {
        size_t d = edit_distance(word, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    // Allow about one typo per three characters.
    size_t limit = std::max<size_t>(2, word.size() / 3);
    if (best_distance > limit)
        return "";
    return std::string(best);
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i)
            out += separator;
        out += parts[i];
    }
    return out;
}

Result<std::string> read_file(const std::string& path) {
    return read_file_at_most(path, SIZE_MAX);
}

Result<std::string> read_file_at_most(const std::string& path, size_t max_size) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return system_error("cannot open " + path);
    return read_fd_at_most(fd.get(), path, max_size);
}

Result<std::string> read_fd_at_most(int fd, const std::string& path, size_t max_size) {
    std::string data;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return system_error("cannot read " + path);
        }
        if (n == 0)
            break;
        if (static_cast<size_t>(n) > max_size - data.size())
            return Error{path + " is larger than " + std::to_string(max_size) + " bytes", EFBIG};
        data.append(buf, static_cast<size_t>(n));
    }
    return data;
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace fastinit
