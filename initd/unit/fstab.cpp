#include "initd/unit/fstab.h"

#include <charconv>

#include "base/text.h"

namespace fastinit {
namespace {

Diagnostic problem(const std::string& file, int line, std::string key, std::string message,
                   Diagnostic::Severity severity = Diagnostic::Severity::error) {
    return Diagnostic{.severity = severity,
                      .file = file,
                      .line = line,
                      .column = 1,
                      .key = std::move(key),
                      .message = std::move(message)};
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i]))
            ++i;
        size_t start = i;
        while (i < line.size() && !is_blank(line[i]))
            ++i;
        if (i > start)
            fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

bool has_control_character(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f)
            return true;
    return false;
}

// A filesystem type is a short word: "ext4", "fuse.sshfs", "nfs4".
bool is_valid_type(std::string_view type) {
    if (type.empty() || type.size() > 64 || type[0] == '-')
        return false;
    for (char c : type) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '+' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

// "/", "/data", "/mnt/my disk": absolute, without "." or ".." components,
// which would make the unit name and the mount disagree about the place.
bool is_valid_mount_point(std::string_view path) {
    if (path.empty() || path[0] != '/' || path.size() >= 4096)
        return false;
    size_t i = 0;
    while (i < path.size()) {
        size_t end = path.find('/', i);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view part = path.substr(i, end - i);
        if (part == "." || part == "..")
            return false;
        i = end + 1;
    }
    return true;
}

bool parse_small_number(std::string_view text, int& out) {
    if (text.empty() || text.size() > 4)
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::vector<std::string_view> split_options(std::string_view options) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i <= options.size()) {
        size_t end = options.find(',', i);
        if (end == std::string_view::npos)
            end = options.size();
        out.push_back(options.substr(i, end - i));
        i = end + 1;
    }
    return out;
}

constexpr std::string_view kDeviceTimeout = "x-systemd.device-timeout";

// x- options are comments for other tools (x-systemd.*, x-gvfs-show, ...):
// mount(8) ignores them, and fastinit knows one, x-systemd.device-timeout,
// so each other is worth a warning in case the line relies on it.
void warn_about_x_options(const FstabEntry& entry, const std::string& file,
                          std::vector<Diagnostic>& out) {
    for (std::string_view option : split_options(entry.options)) {
        if (option.starts_with(kDeviceTimeout) && option.size() > kDeviceTimeout.size() &&
            option[kDeviceTimeout.size()] == '=') {
            if (!entry.device_timeout())
                out.push_back(problem(file, entry.line, "options",
                                      "\"" + std::string(option) +
                                          "\" is not a duration from 1ms to 1 day (e.g. 30 or "
                                          "\"30s\"); the default 90s is used",
                                      Diagnostic::Severity::warning));
            continue;
        }
        if (option.starts_with("x-")) {
            std::string name(option.substr(0, option.find('=')));
            out.push_back(
                problem(file, entry.line, "options",
                        "unknown option \"" + name + "\" for " + entry.mount_point + " is ignored",
                        Diagnostic::Severity::warning));
        }
    }
}

}  // namespace

bool FstabEntry::has_option(std::string_view name) const {
    for (std::string_view option : split_options(options))
        if (option == name)
            return true;
    return false;
}

std::optional<Duration> FstabEntry::device_timeout() const {
    std::string text = option_value(kDeviceTimeout);
    if (text.empty())
        return std::nullopt;
    bool digits_only = text.find_first_not_of("0123456789") == std::string::npos;
    if (digits_only && text.size() > 6)
        return std::nullopt;
    auto parsed = parse_duration(digits_only ? text + "s" : text);
    if (!parsed || *parsed < std::chrono::milliseconds(1) || *parsed > std::chrono::hours(24))
        return std::nullopt;
    return *parsed;
}

std::string FstabEntry::option_value(std::string_view name) const {
    for (std::string_view option : split_options(options))
        if (option.size() > name.size() && option.starts_with(name) && option[name.size()] == '=')
            return std::string(option.substr(name.size() + 1));
    return "";
}

bool decode_fstab_field(std::string_view field, std::string& out) {
    out.clear();
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '\\') {
            out += field[i];
            continue;
        }
        std::string_view code = field.substr(i + 1, 3);
        if (code == "040")
            out += ' ';
        else if (code == "011")
            out += '\t';
        else if (code == "012")
            out += '\n';
        else if (code == "134")
            out += '\\';
        else
            return false;
        i += 3;
    }
    return true;
}

FstabParse parse_fstab(std::string_view text, const std::string& file) {
    FstabParse result;
    int number = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++number;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);

        auto skip = [&](std::string key, std::string message) {
            result.diagnostics.push_back(
                problem(file, number, std::move(key), message + "; line skipped"));
        };
        if (line.size() > kMaxFstabLineLength) {
            skip("", "the line is longer than " + std::to_string(kMaxFstabLineLength) + " bytes");
            continue;
        }
        if (!is_valid_utf8(line)) {
            skip("", "the line is not valid UTF-8");
            continue;
        }
        size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#')
            continue;
        if (result.entries.size() >= kMaxFstabEntries) {
            skip("", "more than " + std::to_string(kMaxFstabEntries) + " entries");
            continue;
        }

        auto fields = split_fields(line);
        if (fields.size() < 4 || fields.size() > 6) {
            skip("", "expected 4 to 6 fields (SPEC MOUNTPOINT TYPE OPTIONS [FREQ [PASS]]), found " +
                         std::to_string(fields.size()));
            continue;
        }
        static const char* const kNames[] = {"spec",    "mount point", "type",
                                             "options", "freq",        "pass"};
        std::string decoded[6];
        bool bad = false;
        for (size_t i = 0; i < fields.size() && !bad; ++i) {
            if (!decode_fstab_field(fields[i], decoded[i])) {
                skip(kNames[i], "unknown escape in \"" + to_valid_utf8(fields[i]) +
                                    "\" (only \\040 \\011 \\012 \\134 are understood)");
                bad = true;
            } else if (has_control_character(decoded[i]) || decoded[i].empty()) {
                skip(kNames[i], "a control character in the field");
                bad = true;
            }
        }
        if (bad)
            continue;

        FstabEntry entry;
        entry.line = number;
        entry.spec = decoded[0];
        entry.mount_point = decoded[1];
        entry.type = decoded[2];
        entry.options = decoded[3];
        if (entry.spec[0] == '-') {
            skip("spec",
                 "\"" + entry.spec + "\" starts with '-', which programs read as an option");
            continue;
        }
        if (!is_valid_type(entry.type)) {
            skip("type", "\"" + entry.type + "\" is not a filesystem type");
            continue;
        }
        if (entry.options[0] == '-') {
            skip("options", "\"" + entry.options + "\" starts with '-'");
            continue;
        }
        bool swap_place =
            entry.is_swap() && (entry.mount_point == "none" || entry.mount_point == "swap");
        if (!swap_place && !is_valid_mount_point(entry.mount_point)) {
            skip("mount point", "\"" + entry.mount_point +
                                    "\" is not an absolute path without . or .. components");
            continue;
        }
        int freq = 0;
        if (fields.size() > 4 && !parse_small_number(decoded[4], freq)) {
            skip("freq", "\"" + decoded[4] + "\" is not a number");
            continue;
        }
        if (fields.size() > 5 && !parse_small_number(decoded[5], entry.pass)) {
            skip("pass", "\"" + decoded[5] + "\" is not a number");
            continue;
        }
        warn_about_x_options(entry, file, result.diagnostics);
        result.entries.push_back(std::move(entry));
    }
    return result;
}

}  // namespace fastinit
