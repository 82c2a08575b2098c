#include "kexec/kexec_config.h"

#include "kexec/toml_config.h"

namespace fastinit {
namespace {

// The file holds four short keys. The cap also bounds toml++'s recursion
// over dotted keys, which has no limit of its own.
constexpr ConfigFile kFile{"", "kexec", 16 * 1024};

}  // namespace

Result<KexecConfig> parse_kexec_config(std::string_view text, std::string_view path) {
    ConfigFile file = kFile;
    file.path = path;
    auto root = parse_config_toml(text, file);
    if (!root)
        return root.error();
    KexecConfig config;
    config.path = std::string(path);
    std::optional<toml::source_region> initrd_at;
    for (const auto& [key_node, node] : *root) {
        std::string key(key_node.str());
        if (key == "kernel" || key == "cmdline" || key == "append") {
            auto value = config_string(path, key, node);
            if (!value)
                return value.error();
            if (key == "kernel")
                config.kernel = *value;
            else if (key == "cmdline")
                config.cmdline = *value;
            else
                config.append = *value;
        } else if (key == "initrd") {
            initrd_at = node.source();
            auto values = config_strings(path, key, node);
            if (!values)
                return values.error();
            config.initrds = std::move(*values);
        } else {
            return unknown_config_key(path, key_node.source(), key,
                                      {"kernel", "initrd", "cmdline", "append"});
        }
    }
    if (initrd_at && !config.kernel)
        return config_error_at(path, *initrd_at, "initrd",
                               "needs a kernel in the same file (an initrd belongs to a kernel)");
    return config;
}

Result<std::optional<KexecConfig>> load_kexec_config(const std::string& path) {
    ConfigFile file = kFile;
    file.path = path;
    auto text = read_config_text(path, file);
    if (!text)
        return text.error();
    if (!*text)
        return std::optional<KexecConfig>();
    auto config = parse_kexec_config(**text, path);
    if (!config)
        return config.error();
    return std::optional<KexecConfig>(std::move(*config));
}

}  // namespace fastinit
