#include "kdump/kdump_config.h"

#include <sys/stat.h>

#include <toml++/toml.h>
#include <cerrno>

#include "base/text.h"
#include "base/toml_guard.h"

namespace fastinit {
namespace {

// A handful of short keys; the cap also bounds toml++'s recursion.
constexpr off_t kMaxConfigSize = 16 * 1024;
constexpr Duration kLongestTimeout = std::chrono::hours(24);

const std::vector<std::string_view> kKeys = {"kernel",   "initrd", "cmdline",
                                             "append",   "target", "dump_level",
                                             "compress", "action", "timeout"};

Error error_at(std::string_view path, const toml::source_region& where, std::string_view key,
               std::string_view message) {
    std::string text = std::string(path) + ":" + std::to_string(where.begin.line) + ":" +
                       std::to_string(where.begin.column) + ": ";
    if (!key.empty())
        text += std::string(key) + ": ";
    return Error{text + std::string(message), EINVAL};
}

Result<std::string> string_value(std::string_view path, std::string_view key,
                                 const toml::node& node, bool may_be_empty = false) {
    auto value = node.value<std::string>();
    if (!value)
        return error_at(path, node.source(), key, "must be a string");
    if (value->empty() && !may_be_empty)
        return error_at(path, node.source(), key, "must not be empty");
    if (value->find('\0') != std::string::npos)
        return error_at(path, node.source(), key, "must not contain a NUL byte");
    return *value;
}

// One of `names` (an enum's spellings, in the enum's order).
template <typename Enum>
Result<Enum> choice(std::string_view path, std::string_view key, const toml::node& node,
                    const std::vector<std::string_view>& names) {
    auto value = string_value(path, key, node);
    if (!value)
        return value.error();
    for (size_t i = 0; i < names.size(); ++i)
        if (*value == names[i])
            return static_cast<Enum>(i);
    std::string known;
    for (std::string_view name : names)
        known += (known.empty() ? "" : ", ") + std::string(name);
    return error_at(path, node.source(), key,
                    "\"" + to_valid_utf8(*value) + "\" is not one of " + known);
}

}  // namespace

std::string_view to_string(KdumpAction action) {
    switch (action) {
        case KdumpAction::reboot:
            return "reboot";
        case KdumpAction::poweroff:
            return "poweroff";
        case KdumpAction::shell:
            return "shell";
    }
    return "reboot";
}

Result<KdumpConfig> parse_kdump_config(std::string_view text, std::string_view path) {
    if (text.size() > static_cast<size_t>(kMaxConfigSize))
        return Error{std::string(path) + ": larger than 16 KiB; this is not a kdump configuration",
                     EFBIG};
    if (auto unsafe = find_unsafe_toml(text))
        return Error{std::string(path) + ":" + std::to_string(unsafe->line) + ":" +
                         std::to_string(unsafe->column) + ": " + unsafe->message,
                     EINVAL};
    toml::table root;
    try {
        (void)toml::parse(toml_ascii_copy(text), path);
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return error_at(path, e.source(), "", e.description());
    } catch (const std::exception& e) {
        return Error{std::string(path) + ": cannot parse: " + e.what(), EINVAL};
    }
    KdumpConfig config;
    config.path = std::string(path);
    for (const auto& [key_node, node] : root) {
        std::string key(key_node.str());
        if (key == "kernel" || key == "cmdline") {
            auto value = string_value(path, key, node);
            if (!value)
                return value.error();
            (key == "kernel" ? config.kernel : config.cmdline) = *value;
        } else if (key == "append") {
            // Empty is allowed: the admin wants none of the defaults.
            auto value = string_value(path, key, node, true);
            if (!value)
                return value.error();
            config.append = *value;
        } else if (key == "target") {
            auto value = string_value(path, key, node);
            if (!value)
                return value.error();
            if ((*value)[0] != '/')
                return error_at(path, node.source(), key, "must be an absolute path");
            config.target = *value;
        } else if (key == "initrd") {
            if (const toml::array* list = node.as_array()) {
                for (const auto& item : *list) {
                    auto value = string_value(path, key, item);
                    if (!value)
                        return value.error();
                    config.initrds.push_back(*value);
                }
                if (config.initrds.empty())
                    return error_at(path, node.source(), key, "an empty list (leave it out)");
            } else {
                auto value = string_value(path, key, node);
                if (!value)
                    return value.error();
                config.initrds.push_back(*value);
            }
        } else if (key == "dump_level") {
            auto value = node.value<int64_t>();
            if (!value || *value < 0 || *value > 31)
                return error_at(path, node.source(), key,
                                "must be a whole number from 0 to 31 (makedumpfile -d)");
            config.dump_level = static_cast<int>(*value);
        } else if (key == "compress") {
            auto value = choice<KdumpCompression>(path, key, node, {"lzo", "zlib", "none"});
            if (!value)
                return value.error();
            config.compress = *value;
        } else if (key == "action") {
            auto value = choice<KdumpAction>(path, key, node, {"reboot", "poweroff", "shell"});
            if (!value)
                return value.error();
            config.action = *value;
        } else if (key == "timeout") {
            auto value = string_value(path, key, node);
            if (!value)
                return value.error();
            auto duration = parse_duration(*value);
            if (!duration)
                return error_at(path, node.source(), key, duration.error().message);
            if (*duration <= Duration::zero() || *duration > kLongestTimeout)
                return error_at(path, node.source(), key, "must be more than 0 and at most 24h");
            config.timeout = *duration;
        } else {
            std::string hint = closest_match(key, kKeys);
            return error_at(path, key_node.source(), key,
                            "unknown key" + (hint.empty() ? std::string()
                                                          : " (did you mean \"" + hint + "\"?)"));
        }
    }
    if (!config.initrds.empty() && !config.kernel)
        return Error{std::string(path) +
                         ": initrd: needs a kernel in the same file (an initrd belongs to a "
                         "kernel)",
                     EINVAL};
    return config;
}

Result<KdumpConfig> load_kdump_config(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return KdumpConfig{};
        return system_error("cannot read " + path);
    }
    if (st.st_size > kMaxConfigSize)
        return Error{path + ": larger than 16 KiB; this is not a kdump configuration", EFBIG};
    auto text = read_file_at_most(path, static_cast<size_t>(kMaxConfigSize));
    if (!text)
        return text.error();
    return parse_kdump_config(*text, path);
}

}  // namespace fastinit
