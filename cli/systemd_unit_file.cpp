// The INI dialect of systemd unit files; see systemd_unit_file.h.
#include "cli/systemd_unit_file.h"

#include "base/text.h"

namespace fastinit {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string where(std::string_view path, int line) {
    return std::string(path) + ":" + std::to_string(line) + ": ";
}

}  // namespace

std::vector<const SystemdEntry*> SystemdUnitFile::values(std::string_view section,
                                                         std::string_view key) const {
    std::vector<const SystemdEntry*> found;
    for (const auto& e : entries)
        if (e.section == section && e.key == key) {
            if (e.value.empty())
                found.clear();
            else
                found.push_back(&e);
        }
    return found;
}

const SystemdEntry* SystemdUnitFile::last(std::string_view section, std::string_view key) const {
    auto found = values(section, key);
    return found.empty() ? nullptr : found.back();
}

SystemdUnitFile parse_systemd_unit(std::string_view path, std::string_view text) {
    SystemdUnitFile file;
    if (text.size() > kSystemdUnitMaxSize) {
        file.problems.push_back(std::string(path) + ": larger than " +
                                std::to_string(kSystemdUnitMaxSize) + " bytes; not read");
        return file;
    }
    std::string section;
    std::string pending;  // a line continued with a trailing backslash
    bool continuing = false;
    int pending_line = 0;
    int number = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view raw = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (raw.size() > kSystemdLineMax) {
            file.problems.push_back(where(path, number) + "line longer than " +
                                    std::to_string(kSystemdLineMax) + " bytes; skipped");
            pending.clear();
            continuing = false;
            continue;
        }
        if (raw.find('\0') != std::string_view::npos || !is_valid_utf8(raw)) {
            file.problems.push_back(where(path, number) +
                                    "a NUL byte or invalid UTF-8; line skipped");
            pending.clear();
            continuing = false;
            continue;
        }
        std::string_view line = trim(raw);
        if (!line.empty() && (line[0] == '#' || line[0] == ';'))
            continue;  // also inside a continuation, as systemd does
        std::string joined;
        if (continuing) {
            joined = pending + " " + std::string(line);
        } else {
            joined = std::string(line);
            pending_line = number;
        }
        if (!joined.empty() && joined.back() == '\\') {
            joined.pop_back();
            if (joined.size() > kSystemdLineMax) {
                file.problems.push_back(where(path, pending_line) +
                                        "continued line too long; skipped");
                pending.clear();
                continuing = false;
                continue;
            }
            pending = std::move(joined);
            continuing = true;
            continue;
        }
        pending.clear();
        continuing = false;
        int at = pending_line;
        pending_line = 0;
        std::string_view whole = trim(joined);
        if (whole.empty())
            continue;
        if (whole.front() == '[') {
            if (whole.back() != ']' || whole.size() < 3) {
                file.problems.push_back(where(path, at) + "bad section header");
                section = "";  // keys until the next good header are problems
                continue;
            }
            section = std::string(whole.substr(1, whole.size() - 2));
            continue;
        }
        size_t eq = whole.find('=');
        if (eq == std::string_view::npos) {
            file.problems.push_back(where(path, at) + "not a Key=Value assignment; skipped");
            continue;
        }
        std::string_view key = trim(whole.substr(0, eq));
        if (key.empty()) {
            file.problems.push_back(where(path, at) + "empty key; skipped");
            continue;
        }
        if (section.empty()) {
            file.problems.push_back(where(path, at) + std::string(key) +
                                    ": outside of any section; skipped");
            continue;
        }
        if (file.entries.size() >= kSystemdMaxEntries) {
            file.problems.push_back(where(path, at) + "more than " +
                                    std::to_string(kSystemdMaxEntries) +
                                    " assignments; the rest is skipped");
            break;
        }
        file.entries.push_back(
            {section, std::string(key), std::string(trim(whole.substr(eq + 1))), at});
    }
    if (continuing)
        file.problems.push_back(where(path, number) + "the file ends inside a continued line");
    return file;
}

}  // namespace fastinit
