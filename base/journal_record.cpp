#include "base/journal_record.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "base/text.h"

namespace fastinit {
namespace {

template <typename T>
bool parse_signed(std::string_view text, T& value) {
    if (text.empty() || text[0] == '+')
        return false;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

// Cuts the next space-separated field off `rest`.
std::string_view next_field(std::string_view& rest) {
    size_t space = rest.find(' ');
    std::string_view field = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    return field;
}

// Control bytes (tab excepted) as \xNN: a record stays one line, and what a
// reader prints cannot move its terminal's cursor.
void append_escaped(std::string& out, std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    for (unsigned char c : text) {
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += static_cast<char>(c);
        }
    }
}

std::optional<JournalLine> parse_record(std::string_view record) {
    JournalLine line;
    std::string_view rest = record;
    std::string_view realtime = next_field(rest), boottime = next_field(rest),
                     priority = next_field(rest), pid = next_field(rest), unit = next_field(rest);
    if (!parse_signed(realtime, line.realtime_us) || !parse_signed(boottime, line.boottime_us) ||
        !parse_signed(priority, line.priority) || line.priority < 0 || line.priority > 7 ||
        !parse_signed(pid, line.pid) || line.pid < 0 || unit.empty() || unit.size() > 256)
        return std::nullopt;
    std::string escaped;
    append_escaped(escaped, unit);
    line.unit = to_valid_utf8(escaped);
    escaped.clear();
    append_escaped(escaped, rest);
    line.text = to_valid_utf8(escaped);
    return line;
}

}  // namespace

std::string format_journal_record(const JournalLine& line) {
    std::string out = std::to_string(line.realtime_us) + " " + std::to_string(line.boottime_us) +
                      " " + std::to_string(line.priority) + " " + std::to_string(line.pid) + " ";
    // A unit name never has a space; should one come, it must not shift the
    // fields that follow.
    std::string unit = line.unit.empty() ? "-" : line.unit;
    std::replace(unit.begin(), unit.end(), ' ', '_');
    append_escaped(out, unit);
    out += ' ';
    append_escaped(out, line.text);
    out += '\n';
    return out;
}

Result<JournalFileContent> parse_journal_file(std::string_view text) {
    if (!text.starts_with(kJournalFileHeader))
        return Error{"not a fastinit journal file (no \"fastinit journal 1\" header)", 0};
    JournalFileContent content;
    text.remove_prefix(kJournalFileHeader.size());
    uint64_t number = 1;
    while (!text.empty()) {
        ++number;
        size_t newline = text.find('\n');
        // A last record without its newline: the writer was cut off in it.
        std::string_view record = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        auto line = newline == std::string_view::npos ? std::nullopt : parse_record(record);
        if (!line) {
            if (content.damaged++ == 0)
                content.first_damaged = number;
            continue;
        }
        content.lines.push_back(std::move(*line));
    }
    return content;
}

}  // namespace fastinit
