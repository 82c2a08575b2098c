#include "device-cache/modules_load.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "base/text.h"

namespace fastinit {
namespace {

constexpr std::string_view kBlanks = " \t\r\v\f";

std::string_view trim(std::string_view s) {
    size_t begin = s.find_first_not_of(kBlanks);
    if (begin == std::string_view::npos)
        return {};
    size_t end = s.find_last_not_of(kBlanks);
    return s.substr(begin, end - begin + 1);
}

// The word as it may be shown: control bytes and bytes that are not UTF-8
// escaped, and cut short, so a hostile line cannot garble a terminal.
std::string shown(std::string_view word) {
    std::string out;
    std::string valid = to_valid_utf8(word.substr(0, 64));
    for (unsigned char c : valid) {
        if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    if (word.size() > 64)
        out += "...";
    return out;
}

std::string where(const std::string& file, int line) {
    return file + ":" + std::to_string(line) + ": ";
}

}  // namespace

bool is_module_name(std::string_view word) {
    if (word.empty() || word.size() > kModulesLoadMaxNameLength || word.front() == '-')
        return false;
    return std::all_of(word.begin(), word.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ':';
    });
}

void parse_modules_load(std::string_view text, const std::string& file, ModulesLoadList& into) {
    std::set<std::string, std::less<>> seen;
    for (const auto& entry : into.modules)
        seen.insert(entry.module);
    int number = 0;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view raw = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++number;
        if (raw.size() > kModulesLoadMaxLineLength) {
            into.problems.push_back(where(file, number) + "error: the line is longer than " +
                                    std::to_string(kModulesLoadMaxLineLength) +
                                    " bytes; line skipped");
            continue;
        }
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            continue;
        size_t space = line.find_first_of(kBlanks);
        std::string_view name = line.substr(0, space);
        if (!is_module_name(name)) {
            into.problems.push_back(where(file, number) + "error: \"" + shown(name) +
                                    "\" is not a module name (letters, digits and _ - . :, at "
                                    "most 255, not starting with -); line skipped");
            continue;
        }
        if (space != std::string_view::npos)
            into.problems.push_back(
                where(file, number) + "warning: parameters \"" + shown(trim(line.substr(space))) +
                "\" for " + std::string(name) + " are ignored (put them in /etc/modprobe.d)");
        if (!seen.insert(std::string(name)).second)
            continue;
        if (into.modules.size() >= kModulesLoadMaxEntries) {
            into.problems.push_back(where(file, number) + "error: more than " +
                                    std::to_string(kModulesLoadMaxEntries) +
                                    " modules; the rest is ignored");
            return;
        }
        into.modules.push_back({std::string(name), file, number});
    }
}

std::vector<std::string> default_modules_load_sources() {
    return {"/etc/modules-load.d", "/run/modules-load.d", "/usr/lib/modules-load.d",
            "/lib/modules-load.d", "/etc/modules"};
}

ModulesLoadList read_modules_load(const std::vector<std::string>& sources) {
    namespace fs = std::filesystem;
    // Directories first, merged by file name (the first directory wins);
    // then the plain files, in the order given.
    std::map<std::string, std::string> by_name;
    std::vector<std::string> files;
    for (const auto& source : sources) {
        std::error_code ec;
        if (!fs::is_directory(source, ec)) {
            files.push_back(source);
            continue;
        }
        for (fs::directory_iterator it(source, ec), end; !ec && it != end; it.increment(ec)) {
            std::string name = it->path().filename();
            if (name.size() > 5 && name.ends_with(".conf"))
                by_name.try_emplace(name, it->path().string());
        }
    }
    std::vector<std::string> ordered;
    for (const auto& [name, path] : by_name)
        ordered.push_back(path);
    ordered.insert(ordered.end(), files.begin(), files.end());

    ModulesLoadList list;
    if (ordered.size() > kModulesLoadMaxFiles) {
        list.problems.push_back("error: more than " + std::to_string(kModulesLoadMaxFiles) +
                                " modules-load files; only the first are read");
        ordered.resize(kModulesLoadMaxFiles);
    }
    for (const auto& path : ordered) {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            continue;  // missing, or a dangling link: nothing to load
        if (S_ISCHR(st.st_mode))
            continue;  // a link to /dev/null masks the file
        if (!S_ISREG(st.st_mode)) {
            list.problems.push_back(path + ": error: not a regular file; skipped");
            continue;
        }
        auto text = read_file_at_most(path, kModulesLoadMaxFileSize);
        if (!text) {
            list.problems.push_back("error: " + text.error().message + "; skipped");
            continue;
        }
        parse_modules_load(*text, path, list);
    }
    return list;
}

}  // namespace fastinit
