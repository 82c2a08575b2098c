// TOML unit file → Unit. The parser is strict: an unknown section or key, a
// value of the wrong type or an out-of-range value is an error that names the
// file, line, column and key (and, for typos, the closest known key). A unit
// with any error is not returned; the caller leaves it out of the boot.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initd/unit/diagnostic.h"
#include "initd/unit/unit.h"
#include "initd/unit/unit_template.h"

namespace fastinit {

// A drop-in as read: its file (for messages) and its bytes.
struct DropIn {
    std::string_view path;
    std::string_view text;
};

struct ParsedUnit {
    std::optional<Unit> unit;  // empty when any error was found
    std::vector<Diagnostic> diagnostics;
};

// `path` is used for messages and recorded in the unit; `name` is the unit's
// name (the file stem).
ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text);
// The same for an instance of a template: `name` is the instance's name
// (getty@ttyS0), `path` the template's file, and every string value has its
// specifiers replaced (an unknown one is an error at its key).
ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text,
                      const Specifiers* specifiers);
// The same with drop-ins merged over the file, in order, key by key: a key
// a drop-in sets replaces the file's (a list too, whole); a section only a
// drop-in has is added. Each key is then judged as if the file had it, and
// a diagnostic names the file (unit file or drop-in) the key came from. An
// error in any of them leaves the unit out, as one in the file would.
ParsedUnit parse_unit(std::string_view name, std::string_view path, std::string_view text,
                      const Specifiers* specifiers, const std::vector<DropIn>& dropins);

// Unit names: letters, digits and "@._-", 1 to 128 characters; after the
// first '@' (an instance) also ":" and "\".
bool is_valid_unit_name(std::string_view name);

}  // namespace fastinit
