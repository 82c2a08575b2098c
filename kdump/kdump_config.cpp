#include "kdump/kdump_config.h"

#include "base/text.h"
#include "kexec/toml_config.h"

namespace fastinit {
namespace {

// A handful of short keys; the cap also bounds toml++'s recursion.
constexpr ConfigFile kFile{"", "kdump", 16 * 1024};
constexpr Duration kLongestTimeout = std::chrono::hours(24);

const std::vector<std::string_view> kKeys = {"kernel",   "initrd", "cmdline",
                                             "append",   "target", "dump_level",
                                             "compress", "action", "timeout"};

// One of `names` (an enum's spellings, in the enum's order).
template <typename Enum>
Result<Enum> choice(std::string_view path, std::string_view key, const toml::node& node,
                    const std::vector<std::string_view>& names) {
    auto value = config_string(path, key, node);
    if (!value)
        return value.error();
    for (size_t i = 0; i < names.size(); ++i)
        if (*value == names[i])
            return static_cast<Enum>(i);
    std::string known;
    for (std::string_view name : names)
        known += (known.empty() ? "" : ", ") + std::string(name);
    return config_error_at(path, node.source(), key,
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
    ConfigFile file = kFile;
    file.path = path;
    auto root = parse_config_toml(text, file);
    if (!root)
        return root.error();
    KdumpConfig config;
    config.path = std::string(path);
    for (const auto& [key_node, node] : *root) {
        std::string key(key_node.str());
        if (key == "kernel" || key == "cmdline") {
            auto value = config_string(path, key, node);
            if (!value)
                return value.error();
            (key == "kernel" ? config.kernel : config.cmdline) = *value;
        } else if (key == "append") {
            // Empty is allowed: the admin wants none of the defaults.
            auto value = config_string(path, key, node, true);
            if (!value)
                return value.error();
            config.append = *value;
        } else if (key == "target") {
            auto value = config_string(path, key, node);
            if (!value)
                return value.error();
            if ((*value)[0] != '/')
                return config_error_at(path, node.source(), key, "must be an absolute path");
            config.target = *value;
        } else if (key == "initrd") {
            auto values = config_strings(path, key, node);
            if (!values)
                return values.error();
            config.initrds = std::move(*values);
        } else if (key == "dump_level") {
            auto value = node.value<int64_t>();
            if (!value || *value < 0 || *value > 31)
                return config_error_at(path, node.source(), key,
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
            auto value = config_string(path, key, node);
            if (!value)
                return value.error();
            auto duration = parse_duration(*value);
            if (!duration)
                return config_error_at(path, node.source(), key, duration.error().message);
            if (*duration <= Duration::zero() || *duration > kLongestTimeout)
                return config_error_at(path, node.source(), key,
                                       "must be more than 0 and at most 24h");
            config.timeout = *duration;
        } else {
            return unknown_config_key(path, key_node.source(), key, kKeys);
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
    ConfigFile file = kFile;
    file.path = path;
    auto text = read_config_text(path, file);
    if (!text)
        return text.error();
    if (!*text)
        return KdumpConfig{};
    return parse_kdump_config(**text, path);
}

}  // namespace fastinit
