// Command-line options for every fastinit program: one table per program,
// one parser, one wording for every mistake.
//
// The rule: a word starting with `--` (or `-x`, a one-letter alias) is an
// option. An option that takes a value takes it as `--name=VALUE` or as the
// next word, whatever that word looks like (`--name VALUE`, `-x VALUE`); a
// flag takes none. `--` ends the options. Every other word is a positional
// argument, returned in order. A mistake is an Error whose message the
// caller prefixes with its own name ("fastinit devices: "):
//   unknown option --cahce (did you mean --cache?)
//   --cache needs a value
//   --dry-run takes no value
//   unexpected argument "extra"
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace fastinit::arg {

// One entry of a table. Build entries with flag(), value() and
// inline_value() below rather than by hand.
struct Option {
    enum class Takes {
        nothing,  // --flag
        value,    // --name VALUE or --name=VALUE
        // --name or --name=VALUE, never the next word: a flag that may carry
        // a value (systemd-notify's --pid).
        inline_value_or_nothing,
    };
    std::string_view name;  // with its dashes: "--cache"
    char short_name = 0;    // 'h' for -h; 0 for none
    Takes takes = Takes::nothing;
    // Called once per occurrence, with the value, or nullopt for none.
    std::function<void(std::optional<std::string_view>)> apply;
};

Option flag(std::string_view name, bool& target, char short_name = 0);
Option flag(std::string_view name, std::function<void()> apply, char short_name = 0);
Option value(std::string_view name, std::string& target);
Option value(std::string_view name, std::optional<std::string>& target);
// Repeatable: every occurrence appends.
Option value(std::string_view name, std::vector<std::string>& target);
Option value(std::string_view name, std::function<void(std::string_view)> apply);
Option inline_value(std::string_view name,
                    std::function<void(std::optional<std::string_view>)> apply);

struct Spec {
    std::vector<Option> options;
    // One more positional argument than this is a mistake.
    size_t max_positionals = SIZE_MAX;
    // The first positional argument ends the options: it and every word
    // after it are returned as they are (a verb and the verb's arguments).
    bool stop_at_positional = false;
    // An unknown option is returned as a positional argument instead of
    // being a mistake: PID 1 is handed every word the kernel did not know.
    bool unknown_as_positional = false;
};

// Applies every option of `words` in order and returns the positional
// arguments; stops at the first mistake.
Result<std::vector<std::string>> parse(const Spec& spec, const std::vector<std::string>& words);

}  // namespace fastinit::arg
