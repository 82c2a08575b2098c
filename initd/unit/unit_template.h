// Rule: an instance name is hostile input, so it is checked before it is
// substituted anywhere, and a template file is expanded only through
// expand_specifiers(), which knows %i, %I and %% and nothing else.
//
// A file NAME@.toml is a template. A reference to NAME@INSTANCE (in another
// unit's lists, or the boot target) makes a unit of it: every string value
// has %i replaced by INSTANCE as written, %I by its unescaped form
// (systemd's rules: "-" is "/", "\xNN" is the byte NN) and %% by %.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// The values substituted in one instance.
struct Specifiers {
    std::string instance;   // %i: the instance as written
    std::string unescaped;  // %I: the instance unescaped
};

struct TemplateReference {
    std::string template_name;  // "getty@": the template file's stem
    std::string instance;       // "ttyS0"
};

// "getty@ttyS0" → {"getty@", "ttyS0"}; nothing when the name has no '@' or
// nothing after it (a plain unit or a template itself).
std::optional<TemplateReference> split_instance_name(std::string_view name);

// True for a template's own name: one '@', at the end.
bool is_template_name(std::string_view name);

// Checks the instance (1 to 128 characters of letters, digits and ":_.-\",
// every "\" starting a "\xNN" escape, no NUL once unescaped, no "." or ".."
// path segment once unescaped) and returns its specifiers.
Result<Specifiers> make_specifiers(std::string_view instance);

// Replaces %i, %I and %% in `text`. Any other "%X" (or a "%" at the end) is
// an error naming it.
Result<std::string> expand_specifiers(std::string_view text, const Specifiers& specifiers);

}  // namespace fastinit
