#include "kexec/toml_config.h"

#include <sys/stat.h>

#include <cerrno>

#include "base/text.h"
#include "base/toml_guard.h"

namespace fastinit {
namespace {

Error too_big(const ConfigFile& file) {
    return Error{std::string(file.path) + ": larger than " + std::to_string(file.max_size / 1024) +
                     " KiB; this is not a " + std::string(file.what) + " configuration",
                 EFBIG};
}

}  // namespace

Error config_error_at(std::string_view path, const toml::source_region& where, std::string_view key,
                      std::string_view message) {
    std::string text = std::string(path) + ":" + std::to_string(where.begin.line) + ":" +
                       std::to_string(where.begin.column) + ": ";
    if (!key.empty())
        text += std::string(key) + ": ";
    return Error{text + std::string(message), EINVAL};
}

Result<toml::table> parse_config_toml(std::string_view text, const ConfigFile& file) {
    if (text.size() > file.max_size)
        return too_big(file);
    // toml++ must never see what it cannot parse safely (base/toml_guard.h):
    // its ASCII copy first, the text itself only once that parsed.
    if (auto unsafe = find_unsafe_toml(text))
        return Error{std::string(file.path) + ":" + std::to_string(unsafe->line) + ":" +
                         std::to_string(unsafe->column) + ": " + unsafe->message,
                     EINVAL};
    try {
        (void)toml::parse(toml_ascii_copy(text), file.path);
        return toml::parse(text, file.path);
    } catch (const toml::parse_error& e) {
        return config_error_at(file.path, e.source(), "", e.description());
    } catch (const std::exception& e) {
        // Not a syntax error: memory, most likely. Still an answer, not a
        // crash of the tool.
        return Error{std::string(file.path) + ": cannot parse: " + e.what(), EINVAL};
    }
}

Result<std::optional<std::string>> read_config_text(const std::string& path,
                                                    const ConfigFile& file) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return std::optional<std::string>();
        return system_error("cannot read " + path);
    }
    if (static_cast<size_t>(st.st_size) > file.max_size)
        return too_big(file);
    // Capped again while reading: the file may grow after the stat.
    auto text = read_file_at_most(path, file.max_size);
    if (!text)
        return text.error();
    return std::optional<std::string>(std::move(*text));
}

Result<std::string> config_string(std::string_view path, std::string_view key,
                                  const toml::node& node, bool may_be_empty) {
    auto value = node.value<std::string>();
    if (!value)
        return config_error_at(path, node.source(), key, "must be a string");
    if (value->empty() && !may_be_empty)
        return config_error_at(path, node.source(), key, "must not be empty");
    if (value->find('\0') != std::string::npos)
        return config_error_at(path, node.source(), key, "must not contain a NUL byte");
    return *value;
}

Result<std::vector<std::string>> config_strings(std::string_view path, std::string_view key,
                                                const toml::node& node) {
    std::vector<std::string> values;
    if (const toml::array* list = node.as_array()) {
        for (const auto& item : *list) {
            auto value = config_string(path, key, item);
            if (!value)
                return value.error();
            values.push_back(*value);
        }
        if (values.empty())
            return config_error_at(path, node.source(), key, "an empty list (leave it out)");
        return values;
    }
    auto value = config_string(path, key, node);
    if (!value)
        return value.error();
    values.push_back(*value);
    return values;
}

Error unknown_config_key(std::string_view path, const toml::source_region& where,
                         std::string_view key, const std::vector<std::string_view>& known) {
    std::string hint = closest_match(key, known);
    return config_error_at(
        path, where, key,
        "unknown key" + (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)"));
}

}  // namespace fastinit
