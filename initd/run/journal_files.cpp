#include "initd/run/journal_files.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include <unistd.h>

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

Result<uint64_t> take_in_journal_records(Journal& journal, const std::string& path) {
    auto text = read_file_at_most(path, kMaxInitrdJournal);
    if (!text)
        return text.error().errno_value == ENOENT ? Result<uint64_t>(uint64_t{0}) : text.error();
    ::unlink(path.c_str());
    auto content = parse_journal_file(*text);
    if (!content)
        return Error{path + ": " + content.error().message, 0};
    for (const JournalLine& line : content->lines)
        journal.append(line.unit, line.pid, line.priority, line.text, line.realtime_us,
                       line.boottime_us);
    return content->damaged;
}

}  // namespace fastinit
