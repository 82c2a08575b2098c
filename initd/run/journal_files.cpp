#include "initd/run/journal_files.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "base/text.h"

namespace fastinit {
namespace {

// Far below what the numbers could hold: a name past it is someone else's,
// and one past the highest never overflows.
constexpr uint64_t kMaxNumber = 1'000'000'000'000ULL;

// A decimal number from 1 without a leading zero (so that each number has
// exactly one name), at most `max`.
std::optional<uint64_t> parse_number(std::string_view text, uint64_t max) {
    if (text.empty() || text[0] == '0')
        return std::nullopt;
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value > max)
        return std::nullopt;
    return value;
}

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

std::string format_journal_file_name(JournalFileName name) {
    return std::to_string(name.boot) + "-" + std::to_string(name.part) + ".log";
}

std::optional<JournalFileName> parse_journal_file_name(std::string_view name) {
    constexpr std::string_view kSuffix = ".log";
    if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix))
        return std::nullopt;
    name.remove_suffix(kSuffix.size());
    size_t dash = name.find('-');
    if (dash == std::string_view::npos)
        return std::nullopt;
    auto boot = parse_number(name.substr(0, dash), kMaxNumber);
    auto part = parse_number(name.substr(dash + 1), kMaxNumber);
    if (!boot || !part)
        return std::nullopt;
    return JournalFileName{*boot, *part};
}

std::vector<JournalFileName> journal_files_among(const std::vector<std::string>& names) {
    std::vector<JournalFileName> files;
    for (const auto& name : names)
        if (auto file = parse_journal_file_name(name))
            files.push_back(*file);
    std::sort(files.begin(), files.end());
    return files;
}

Result<std::vector<JournalFileName>> list_journal_files(const std::string& dir) {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d)
        return system_error("cannot read " + dir, errno);
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(d.get()))
        if (entry->d_type == DT_REG || entry->d_type == DT_UNKNOWN)
            names.emplace_back(entry->d_name);
    return journal_files_among(names);
}

uint64_t next_journal_boot(const std::vector<JournalFileName>& files) {
    uint64_t highest = 0;
    for (const auto& file : files)
        highest = std::max(highest, file.boot);
    return highest + 1;
}

std::vector<JournalFileName> journal_files_to_remove(const std::vector<JournalFileName>& files,
                                                     uint64_t max_files) {
    std::vector<JournalFileName> sorted = files;
    std::sort(sorted.begin(), sorted.end());
    size_t keep = max_files == 0 ? 0 : static_cast<size_t>(max_files - 1);
    if (sorted.size() <= keep)
        return {};
    sorted.resize(sorted.size() - keep);
    return sorted;
}

std::optional<uint64_t> select_journal_boot(const std::vector<JournalFileName>& files,
                                            uint64_t current, uint64_t back) {
    std::vector<uint64_t> boots;  // before `current`, newest first
    for (const auto& file : files)
        if ((current == 0 || file.boot < current) &&
            std::find(boots.begin(), boots.end(), file.boot) == boots.end())
            boots.push_back(file.boot);
    std::sort(boots.rbegin(), boots.rend());
    if (back == 0 || back > boots.size())
        return std::nullopt;
    return boots[back - 1];
}

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
