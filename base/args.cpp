#include "base/args.h"

#include <utility>

#include "base/text.h"

namespace fastinit::arg {
namespace {

using Takes = Option::Takes;

// The option called `name` (--name, or -x for a short name), or null.
const Option* find(const Spec& spec, std::string_view name) {
    for (const Option& option : spec.options) {
        if (option.name == name)
            return &option;
        if (option.short_name && name.size() == 2 && name[0] == '-' && name[1] == option.short_name)
            return &option;
    }
    return nullptr;
}

Error unknown(const Spec& spec, std::string_view name) {
    // Compared without the dashes, so they do not loosen the match.
    std::vector<std::string_view> candidates;
    for (const Option& option : spec.options)
        candidates.push_back(option.name.substr(option.name.find_first_not_of('-')));
    std::string suggestion =
        closest_match(name.substr(std::min(name.find_first_not_of('-'), name.size())), candidates);
    std::string message = "unknown option " + std::string(name);
    if (!suggestion.empty())
        message += " (did you mean --" + suggestion + "?)";
    return Error{message};
}

}  // namespace

Option flag(std::string_view name, bool& target, char short_name) {
    return {name, short_name, Takes::nothing, [&target](auto) { target = true; }};
}

Option flag(std::string_view name, std::function<void()> apply, char short_name) {
    return {name, short_name, Takes::nothing, [apply = std::move(apply)](auto) { apply(); }};
}

Option value(std::string_view name, std::string& target) {
    return {name, 0, Takes::value, [&target](auto v) { target = *v; }};
}

Option value(std::string_view name, std::optional<std::string>& target) {
    return {name, 0, Takes::value, [&target](auto v) { target = std::string(*v); }};
}

Option value(std::string_view name, std::vector<std::string>& target) {
    return {name, 0, Takes::value, [&target](auto v) { target.emplace_back(*v); }};
}

Option value(std::string_view name, std::function<void(std::string_view)> apply) {
    return {name, 0, Takes::value, [apply = std::move(apply)](auto v) { apply(*v); }};
}

Option inline_value(std::string_view name,
                    std::function<void(std::optional<std::string_view>)> apply) {
    return {name, 0, Takes::inline_value_or_nothing, std::move(apply)};
}

Result<std::vector<std::string>> parse(const Spec& spec, const std::vector<std::string>& words) {
    std::vector<std::string> positionals;
    bool options_ended = false;
    for (size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        bool is_option = !options_ended && word.size() > 1 && word[0] == '-';
        if (is_option && word == "--") {
            options_ended = true;
            continue;
        }
        std::string_view name = word;
        std::optional<std::string_view> inline_value;
        if (size_t eq = name.find('='); is_option && name.starts_with("--") && eq != name.npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const Option* option = is_option ? find(spec, name) : nullptr;
        if (is_option && !option && !spec.unknown_as_positional)
            return unknown(spec, name);
        if (!option) {
            if (positionals.size() == spec.max_positionals)
                return Error{"unexpected argument \"" + word + "\""};
            positionals.push_back(word);
            if (spec.stop_at_positional) {
                positionals.insert(positionals.end(), words.begin() + i + 1, words.end());
                break;
            }
            continue;
        }
        switch (option->takes) {
            case Takes::nothing:
                if (inline_value)
                    return Error{std::string(name) + " takes no value"};
                option->apply(std::nullopt);
                break;
            case Takes::value:
                if (!inline_value && i + 1 >= words.size())
                    return Error{std::string(name) + " needs a value"};
                option->apply(inline_value ? *inline_value : std::string_view(words[++i]));
                break;
            case Takes::inline_value_or_nothing:
                option->apply(inline_value);
                break;
        }
    }
    return positionals;
}

}  // namespace fastinit::arg
