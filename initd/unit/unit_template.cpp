#include "initd/unit/unit_template.h"

#include "base/text.h"
#include "initd/unit/environment_name.h"

namespace fastinit {
namespace {

constexpr size_t kMaxInstanceLength = 128;

bool is_instance_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '_' || c == '.' || c == '-' || c == '\\';
}

std::string quoted(std::string_view text) {
    return "\"" + escape_for_message(text) + "\"";
}

}  // namespace

std::optional<TemplateReference> split_instance_name(std::string_view name) {
    auto at = name.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == name.size())
        return std::nullopt;
    return TemplateReference{std::string(name.substr(0, at + 1)), std::string(name.substr(at + 1))};
}

bool is_template_name(std::string_view name) {
    return name.size() > 1 && name.back() == '@' && name.find('@') == name.size() - 1;
}

Result<Specifiers> make_specifiers(std::string_view instance) {
    if (instance.empty())
        return Error{"the instance name is empty"};
    if (instance.size() > kMaxInstanceLength)
        return Error{"the instance name is longer than " + std::to_string(kMaxInstanceLength) +
                     " characters"};
    Specifiers out;
    out.instance = std::string(instance);
    for (size_t i = 0; i < instance.size(); ++i) {
        char c = instance[i];
        if (!is_instance_character(c))
            return Error{"the instance name " + quoted(instance) + " contains " +
                         quoted(std::string_view(&c, 1)) +
                         " (allowed: letters, digits and \":_.-\\\")"};
        if (c == '-') {
            out.unescaped += '/';
        } else if (c == '\\') {
            bool room = i + 3 < instance.size() && instance[i + 1] == 'x';
            int high = room ? hex_digit_value(instance[i + 2]) : -1;
            int low = high >= 0 ? hex_digit_value(instance[i + 3]) : -1;
            if (low < 0)
                return Error{"the instance name " + quoted(instance) +
                             " has a \"\\\" that does not start an escape \"\\xNN\""};
            char byte = static_cast<char>(high * 16 + low);
            if (byte == '\0')
                return Error{"the instance name " + quoted(instance) + " escapes a NUL byte"};
            out.unescaped += byte;
            i += 3;
        } else {
            out.unescaped += c;
        }
    }
    // %I usually ends up in a path (/dev/%I): no climbing out of it.
    size_t start = 0;
    while (start <= out.unescaped.size()) {
        size_t end = out.unescaped.find('/', start);
        if (end == std::string::npos)
            end = out.unescaped.size();
        std::string_view segment = std::string_view(out.unescaped).substr(start, end - start);
        if (segment == "." || segment == "..")
            return Error{"the instance name " + quoted(instance) + " unescapes to the path " +
                         quoted(out.unescaped) + ", which has a \"" + std::string(segment) +
                         "\" segment"};
        start = end + 1;
    }
    return out;
}

Result<std::string> expand_specifiers(std::string_view text, const Specifiers& specifiers) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 1 == text.size())
            return Error{"a \"%\" ends the value (write \"%%\" for a literal %)"};
        char c = text[++i];
        if (c == 'i')
            out += specifiers.instance;
        else if (c == 'I')
            out += specifiers.unescaped;
        else if (c == '%')
            out += '%';
        else
            return Error{"unknown specifier " + quoted(std::string("%") + c) +
                         " (known: %i, %I and %% for a literal %)"};
    }
    return out;
}

}  // namespace fastinit
