// Instance names (a unit's lists, the kernel command line target) and the
// template strings they are substituted into: the input's first line is the
// instance, the rest a template value. An accepted instance unescapes to no
// NUL and no "." or ".." segment, and expanding never leaves a specifier
// other than the literal % of a "%%".
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/unit/unit_parser.h"
#include "initd/unit/unit_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    std::string_view instance = input.substr(0, newline);
    std::string_view value = newline == std::string_view::npos ? "" : input.substr(newline + 1);
    (void)split_instance_name(input);
    auto specifiers = make_specifiers(instance);
    if (!specifiers)
        return 0;
    std::string_view unescaped = specifiers->unescaped;
    if (unescaped.find('\0') != std::string_view::npos || unescaped == "." || unescaped == ".." ||
        unescaped.find("/../") != std::string_view::npos || unescaped.starts_with("../") ||
        unescaped.ends_with("/.."))
        std::abort();
    if (specifiers->instance.size() <= 126 && !is_valid_unit_name("f@" + specifiers->instance))
        std::abort();
    auto expanded = expand_specifiers(value, *specifiers);
    if (expanded && expanded->size() > value.size() * (specifiers->instance.size() +
                                                       specifiers->unescaped.size() + 1))
        std::abort();
    return 0;
}
