#include "kexec/kexec_config.h"

#include <sys/stat.h>

#include <toml++/toml.h>

#include "base/text.h"
#include "base/toml_guard.h"

namespace fastinit {
namespace {

// The file holds four short keys. The cap also bounds toml++'s recursion
// over dotted keys, which has no limit of its own.
constexpr off_t kMaxConfigSize = 16 * 1024;

Error error_at(std::string_view path, const toml::source_region& where, std::string_view key,
               std::string_view message) {
    std::string text = std::string(path) + ":" + std::to_string(where.begin.line) + ":" +
                       std::to_string(where.begin.column) + ": ";
    if (!key.empty())
        text += std::string(key) + ": ";
    return Error{text + std::string(message), EINVAL};
}

Result<std::string> non_empty_string(std::string_view path, std::string_view key,
                                     const toml::node& node) {
    auto value = node.value<std::string>();
    if (!value)
        return error_at(path, node.source(), key, "must be a string");
    if (value->empty())
        return error_at(path, node.source(), key, "must not be empty");
    return *value;
}

}  // namespace

Result<KexecConfig> parse_kexec_config(std::string_view text, std::string_view path) {
    if (text.size() > static_cast<size_t>(kMaxConfigSize))
        return Error{std::string(path) + ": larger than 16 KiB; this is not a kexec configuration",
                     EFBIG};
    // toml++ must never see what it cannot parse safely (base/toml_guard.h):
    // its ASCII copy first, the text itself only once that parsed.
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
        // Not a syntax error: memory, most likely. Still an answer, not a
        // crash of `fastinit reboot`.
        return Error{std::string(path) + ": cannot parse: " + e.what(), EINVAL};
    }
    KexecConfig config;
    config.path = std::string(path);
    std::optional<toml::source_region> initrd_at;
    for (const auto& [key_node, node] : root) {
        std::string key(key_node.str());
        if (key == "kernel" || key == "cmdline" || key == "append") {
            auto value = non_empty_string(path, key, node);
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
            if (const toml::array* list = node.as_array()) {
                for (const auto& item : *list) {
                    auto value = non_empty_string(path, key, item);
                    if (!value)
                        return value.error();
                    config.initrds.push_back(*value);
                }
                if (config.initrds.empty())
                    return error_at(path, node.source(), key, "an empty list (leave it out)");
            } else {
                auto value = non_empty_string(path, key, node);
                if (!value)
                    return value.error();
                config.initrds.push_back(*value);
            }
        } else {
            std::string hint = closest_match(key, {"kernel", "initrd", "cmdline", "append"});
            return error_at(path, key_node.source(), key,
                            "unknown key" + (hint.empty() ? std::string()
                                                          : " (did you mean \"" + hint + "\"?)"));
        }
    }
    if (initrd_at && !config.kernel)
        return error_at(path, *initrd_at, "initrd",
                        "needs a kernel in the same file (an initrd belongs to a kernel)");
    return config;
}

Result<std::optional<KexecConfig>> load_kexec_config(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return std::optional<KexecConfig>();
        return system_error("cannot read " + path);
    }
    if (st.st_size > kMaxConfigSize)
        return Error{path + ": larger than 16 KiB; this is not a kexec configuration", EFBIG};
    // Capped again while reading: the file may grow after the stat.
    auto text = read_file_at_most(path, static_cast<size_t>(kMaxConfigSize));
    if (!text)
        return text.error();
    auto config = parse_kexec_config(*text, path);
    if (!config)
        return config.error();
    return std::optional<KexecConfig>(std::move(*config));
}

}  // namespace fastinit
