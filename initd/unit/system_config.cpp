#include "initd/unit/system_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>

#include "base/byte_size.h"
#include "base/duration.h"
#include "base/text.h"
#include "base/toml_guard.h"

namespace fastinit {
namespace {

std::string where(std::string_view path, const toml::source_region& at) {
    return std::string(path) + ":" + std::to_string(at.begin.line) + ":" +
           std::to_string(at.begin.column) + ": ";
}

// A number of bytes, or a string with a K/M/G suffix (`suffix` false: a
// plain number, a count).
std::optional<uint64_t> size_value(const toml::node& node, bool suffix) {
    ByteSize size;
    if (auto number = node.value<int64_t>(); number && node.is_integer()) {
        if (*number >= 0)
            size = {ByteSizeStatus::ok, static_cast<uint64_t>(*number)};
    } else if (auto text = node.value<std::string>(); text && suffix) {
        size = parse_byte_size(*text);
    }
    if (size.status != ByteSizeStatus::ok)
        return std::nullopt;
    return size.bytes;
}

void read_journal(const toml::table& table, std::string_view path, SystemConfig& config) {
    for (const auto& [key_node, node] : table) {
        std::string key(key_node.str());
        if (key == "persistent") {
            if (auto flag = node.value<bool>(); flag && node.is_boolean())
                config.journal_persistent = *flag;
            else
                config.problems.push_back(where(path, node.source()) +
                                          "journal.persistent: expected true or false");
        } else if (key == "size" || key == "file_size") {
            auto size = size_value(node, true);
            if (!size)
                config.problems.push_back(where(path, node.source()) + "journal." + key +
                                          ": expected a size such as \"1M\" or 65536");
            else
                (key == "size" ? config.journal_size : config.journal_file_size) = size;
        } else if (key == "files") {
            auto count = size_value(node, false);
            if (!count)
                config.problems.push_back(where(path, node.source()) +
                                          "journal.files: expected a number of files");
            else
                config.journal_files = count;
        } else {
            std::string hint = closest_match(key, {"size", "persistent", "file_size", "files"});
            config.problems.push_back(
                where(path, key_node.source()) + "journal." + key + ": unknown key" +
                (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
        }
    }
}

void read_watchdog(const toml::table& table, std::string_view path, SystemConfig& config) {
    static const std::vector<std::string_view> kKeys = {"runtime", "reboot", "device",
                                                        "arm_at_poweroff"};
    for (const auto& [key_node, node] : table) {
        std::string key(key_node.str());
        std::string at = where(path, node.source()) + "watchdog." + key + ": ";
        if (key == "runtime" || key == "reboot") {
            auto text = node.value<std::string>();
            auto parsed = text ? parse_duration(*text)
                               : Result<Duration>(Error{"expected a duration such as \"30s\""});
            if (!parsed) {
                config.problems.push_back(at + parsed.error().message);
                continue;
            }
            (key == "runtime" ? config.watchdog_runtime : config.watchdog_reboot) = *parsed;
        } else if (key == "device") {
            auto text = node.value<std::string>();
            bool printable = text && std::all_of(text->begin(), text->end(),
                                                 [](char c) { return c > ' ' && c < 0x7f; });
            if (!printable || text->empty() || (*text)[0] != '/' || text->size() > 4096) {
                config.problems.push_back(at +
                                          "expected the absolute path of a device such as "
                                          "\"/dev/watchdog0\"");
                continue;
            }
            config.watchdog_device = *text;
        } else if (key == "arm_at_poweroff") {
            if (!node.is_boolean()) {
                config.problems.push_back(at + "expected true or false");
                continue;
            }
            config.watchdog_arm_at_poweroff = *node.value<bool>();
        } else {
            std::string hint = closest_match(key, kKeys);
            config.problems.push_back(
                where(path, key_node.source()) + "watchdog." + key + ": unknown key" +
                (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
        }
    }
}

}  // namespace

SystemConfig parse_system_config(std::string_view text, std::string_view path) {
    SystemConfig config;
    if (text.size() > kMaxSystemConfigSize) {
        config.problems.push_back(std::string(path) + ": larger than 64 KiB; ignored");
        return config;
    }
    if (auto unsafe = find_unsafe_toml(text)) {
        config.problems.push_back(std::string(path) + ":" + std::to_string(unsafe->line) + ":" +
                                  std::to_string(unsafe->column) + ": " + unsafe->message);
        return config;
    }
    toml::table root;
    try {
        (void)toml::parse(toml_ascii_copy(text), path);
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        config.problems.push_back(where(path, e.source()) + std::string(e.description()));
        return config;
    } catch (const std::exception& e) {
        config.problems.push_back(std::string(path) + ": cannot parse: " + e.what());
        return config;
    }
    for (const auto& [key_node, node] : root) {
        std::string key(key_node.str());
        if (key == "journal" && node.is_table()) {
            read_journal(*node.as_table(), path, config);
        } else if (key == "watchdog" && node.is_table()) {
            read_watchdog(*node.as_table(), path, config);
        } else {
            std::string hint = closest_match(key, {"journal", "watchdog"});
            config.problems.push_back(
                where(path, key_node.source()) + key + ": unknown " +
                (node.is_table() ? "table" : "key") +
                (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
        }
    }
    return config;
}

SystemConfig read_system_config(const std::string& path) {
    auto text = read_file_at_most(path, kMaxSystemConfigSize);
    if (!text) {
        SystemConfig config;
        if (text.error().errno_value != ENOENT)
            config.problems.push_back(text.error().message);
        return config;
    }
    return parse_system_config(*text, path);
}

}  // namespace fastinit
