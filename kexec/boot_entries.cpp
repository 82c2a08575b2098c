#include "kexec/boot_entries.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/text.h"

namespace fastinit {
namespace {

// Entries are a few hundred bytes; anything much larger is not one.
constexpr uintmax_t kMaxEntrySize = 64 * 1024;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// Splits "key value" lines; comments and blank lines are left out.
template <typename Visit>
void for_each_key_value(std::string_view text, Visit visit) {
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty() || line.front() == '#')
            continue;
        size_t gap = 0;
        while (gap < line.size() && !is_space(line[gap]))
            ++gap;
        visit(line.substr(0, gap), trim(line.substr(gap)));
    }
}

// Boot Loader Spec paths are relative to the partition root even when
// written with a leading '/'.
std::filesystem::path under(const std::filesystem::path& boot_dir, std::string_view path) {
    while (!path.empty() && path.front() == '/')
        path.remove_prefix(1);
    return boot_dir / std::string(path);
}

// "" when `path` is a regular file (after links), else why not.
std::string file_problem(const std::filesystem::path& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return std::strerror(errno);
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    return "";
}

bool matches(const std::string& pattern, const std::string& id) {
    return pattern == id || pattern == id + ".conf" ||
           ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0 ||
           ::fnmatch(pattern.c_str(), (id + ".conf").c_str(), 0) == 0;
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 6 && std::all_of(s.begin(), s.end(), is_digit);
}

}  // namespace

BootCounter parse_boot_counter(std::string_view stem) {
    BootCounter counter{std::string(stem)};
    size_t plus = stem.rfind('+');
    if (plus == std::string_view::npos || plus == 0)
        return counter;
    std::string_view rest = stem.substr(plus + 1);
    std::string_view left = rest.substr(0, rest.find('-'));
    std::optional<std::string_view> done;
    if (left.size() < rest.size())
        done = rest.substr(left.size() + 1);
    if (!all_digits(left) || (done && !all_digits(*done)))
        return counter;
    counter.id = std::string(stem.substr(0, plus));
    counter.tries_left = std::stoi(std::string(left));
    if (done)
        counter.tries_done = std::stoi(std::string(*done));
    return counter;
}

int compare_versions(std::string_view a, std::string_view b) {
    size_t i = 0, j = 0;
    for (;;) {
        bool a_tilde = i < a.size() && a[i] == '~';
        bool b_tilde = j < b.size() && b[j] == '~';
        if (a_tilde || b_tilde) {
            if (!a_tilde)
                return 1;
            if (!b_tilde)
                return -1;
            ++i, ++j;
            continue;
        }
        if (i >= a.size() || j >= b.size())
            return i >= a.size() ? (j >= b.size() ? 0 : -1) : 1;
        if (is_digit(a[i]) && is_digit(b[j])) {
            while (i < a.size() && a[i] == '0')
                ++i;
            while (j < b.size() && b[j] == '0')
                ++j;
            size_t a_end = i, b_end = j;
            while (a_end < a.size() && is_digit(a[a_end]))
                ++a_end;
            while (b_end < b.size() && is_digit(b[b_end]))
                ++b_end;
            // Without leading zeros, the longer number is the larger one.
            if (a_end - i != b_end - j)
                return a_end - i < b_end - j ? -1 : 1;
            int c = a.substr(i, a_end - i).compare(b.substr(j, b_end - j));
            if (c != 0)
                return c < 0 ? -1 : 1;
            i = a_end, j = b_end;
            continue;
        }
        if (a[i] != b[j])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]) ? -1 : 1;
        ++i, ++j;
    }
}

Result<BootEntry> parse_boot_entry(std::string_view id, std::string_view text,
                                   const std::filesystem::path& boot_dir) {
    BootEntry entry;
    entry.id = std::string(id);
    bool has_kernel = false, has_efi = false;
    std::vector<std::string> options;
    std::string problem;
    for_each_key_value(text, [&](std::string_view key, std::string_view value) {
        if (!problem.empty())
            return;
        if (key == "linux") {
            if (value.empty())
                problem = "\"linux\" has no path";
            else if (has_kernel)
                problem = "more than one \"linux\" line";
            has_kernel = true;
            entry.kernel = under(boot_dir, value);
        } else if (key == "initrd") {
            if (value.empty())
                problem = "\"initrd\" has no path";
            entry.initrds.push_back(under(boot_dir, value));
        } else if (key == "options") {
            if (!value.empty())
                options.emplace_back(value);
        } else if (key == "title") {
            entry.title = std::string(value);
        } else if (key == "version") {
            entry.version = std::string(value);
        } else if (key == "efi") {
            has_efi = true;
        }
    });
    if (!problem.empty())
        return Error{problem};
    if (!has_kernel)
        return Error{has_efi ? "an EFI program entry (\"efi\"), which kexec cannot start"
                             : "no \"linux\" line"};
    entry.options = join(options, " ");
    return entry;
}

BootEntries read_boot_entries(const std::filesystem::path& boot_dir) {
    BootEntries result;
    std::error_code ec;
    // loader.conf is as small as an entry; a larger file is ignored whole.
    if (auto loader_conf = read_file_at_most(boot_dir / "loader" / "loader.conf", kMaxEntrySize)) {
        for_each_key_value(*loader_conf, [&](std::string_view key, std::string_view value) {
            if (key == "default")
                result.loader_default = std::string(value);
        });
    }
    std::filesystem::path dir = boot_dir / "loader" / "entries";
    std::filesystem::directory_iterator it(dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".conf") != 0 || name[0] == '.')
            continue;
        std::string file = "loader/entries/" + name;
        BootCounter counter = parse_boot_counter(std::string_view(name).substr(0, name.size() - 5));
        if (counter.tries_left == 0) {
            result.skipped.push_back({file, "no tries left (boot counting)"});
            continue;
        }
        std::string id = counter.id;
        std::error_code size_error;
        if (!it->is_regular_file(size_error)) {
            result.skipped.push_back({file, "not a regular file"});
            continue;
        }
        uintmax_t size = it->file_size(size_error);
        if (size_error) {
            result.skipped.push_back({file, size_error.message()});
            continue;
        }
        if (size > kMaxEntrySize) {
            result.skipped.push_back({file, "larger than 64 KiB"});
            continue;
        }
        auto text = read_file(it->path().string());
        if (!text) {
            result.skipped.push_back({file, text.error().message});
            continue;
        }
        auto entry = parse_boot_entry(id, *text, boot_dir);
        if (!entry) {
            result.skipped.push_back({file, entry.error().message});
            continue;
        }
        entry->file = file;
        entry->tries_left = counter.tries_left;
        std::string problem = file_problem(entry->kernel);
        if (!problem.empty()) {
            result.skipped.push_back({file, "kernel " + entry->kernel.string() + ": " + problem});
            continue;
        }
        for (const auto& initrd : entry->initrds) {
            problem = file_problem(initrd);
            if (!problem.empty()) {
                problem = "initrd " + initrd.string() + ": " + problem;
                break;
            }
        }
        if (!problem.empty()) {
            result.skipped.push_back({file, problem});
            continue;
        }
        result.entries.push_back(std::move(*entry));
    }
    std::sort(result.entries.begin(), result.entries.end(),
              [](const BootEntry& a, const BootEntry& b) {
                  int c = compare_versions(a.id, b.id);
                  return c != 0 ? c < 0 : a.id < b.id;
              });
    std::sort(result.skipped.begin(), result.skipped.end(),
              [](const SkippedEntry& a, const SkippedEntry& b) { return a.file < b.file; });
    return result;
}

std::optional<DefaultEntry> choose_default_entry(const BootEntries& entries) {
    if (entries.entries.empty())
        return std::nullopt;
    const std::string& pattern = entries.loader_default;
    std::string why = "last by version order";
    if (!pattern.empty()) {
        for (size_t i = entries.entries.size(); i-- > 0;)
            if (matches(pattern, entries.entries[i].id))
                return DefaultEntry{i, "loader.conf default \"" + pattern + "\""};
        if (pattern.front() == '@')
            why += " (loader.conf default \"" + pattern +
                   "\" names an EFI variable, which is not read here)";
        else
            why += " (loader.conf default \"" + pattern + "\" matches no usable entry)";
    }
    return DefaultEntry{entries.entries.size() - 1, why};
}

std::optional<ChosenEntry> choose_entry(const BootEntries& entries,
                                        const std::vector<EntryWish>& wishes) {
    if (entries.entries.empty())
        return std::nullopt;
    std::vector<std::string> unmatched;
    for (const auto& wish : wishes) {
        for (size_t i = entries.entries.size(); i-- > 0;)
            if (matches(wish.pattern, entries.entries[i].id) ||
                (!entries.entries[i].title.empty() && wish.pattern == entries.entries[i].title))
                return ChosenEntry{i, wish.source + " \"" + wish.pattern + "\"", unmatched};
        unmatched.push_back(wish.source + " \"" + wish.pattern + "\" matches no usable entry");
    }
    auto chosen = choose_default_entry(entries);
    return ChosenEntry{chosen->index, chosen->why, unmatched};
}

}  // namespace fastinit
