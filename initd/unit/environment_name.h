// Rule: a variable name in a unit's `environment` is 1 to 255 characters,
// letters, digits and '_', not starting with a digit (the names a shell can
// use). A '=' would move the split between name and value in the process's
// environment, a NUL would cut the entry short, and a newline or other
// control character breaks every tool that lists environments line by line.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

// Ok, or an Error saying what is wrong with the name (shown with control
// characters escaped) and, when it can be mended, the name it may have meant.
Result<void> check_environment_name(std::string_view name);

// `text` with control characters, quotes, backslashes and bytes above 0x7e
// written as escapes (\n, \0, \x1b), for quoting a hostile string in one
// line of a message.
std::string escape_for_message(std::string_view text);

}  // namespace fastinit
