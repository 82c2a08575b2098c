// The small TOML files the reboot tools read (kexec.toml, kdump.toml): one
// way to read them and one wording for their mistakes. The rule: the text
// reaches toml++ only within a size cap and after base/toml_guard.h found
// nothing wrong, and every error reads "FILE:LINE:COLUMN: KEY: message"
// (without KEY for syntax errors).
#pragma once

#include <toml++/toml.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct ConfigFile {
    std::string_view path;
    std::string_view what;  // "kexec", for "... this is not a kexec configuration"
    size_t max_size;
};

Error config_error_at(std::string_view path, const toml::source_region& where, std::string_view key,
                      std::string_view message);

// The file's table, or why not.
Result<toml::table> parse_config_toml(std::string_view text, const ConfigFile& file);

// The file's text; nullopt when it does not exist.
Result<std::optional<std::string>> read_config_text(const std::string& path,
                                                    const ConfigFile& file);

// A string value, never empty unless `may_be_empty`, never holding NUL.
Result<std::string> config_string(std::string_view path, std::string_view key,
                                  const toml::node& node, bool may_be_empty = false);

// A string or a non-empty list of strings, each per config_string.
Result<std::vector<std::string>> config_strings(std::string_view path, std::string_view key,
                                                const toml::node& node);

// "unknown key (did you mean ...?)" for `key` among `known`.
Error unknown_config_key(std::string_view path, const toml::source_region& where,
                         std::string_view key, const std::vector<std::string_view>& known);

}  // namespace fastinit
