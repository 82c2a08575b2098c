// systemd's value syntax, as far as the importer needs it; see
// systemd_words.h.
#include "cli/systemd_words.h"

#include <cmath>
#include <cstdint>

#include "base/text.h"

namespace fastinit {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// One escape after a backslash at text[i] (i points past the backslash);
// appends the byte and advances i.
Result<void> unescape(std::string_view text, size_t& i, std::string& word) {
    if (i >= text.size())
        return Error{"a trailing backslash"};
    char c = text[i++];
    switch (c) {
        case 'n':
            word += '\n';
            return {};
        case 't':
            word += '\t';
            return {};
        case 'r':
            word += '\r';
            return {};
        case 'a':
            word += '\a';
            return {};
        case 'b':
            word += '\b';
            return {};
        case 'f':
            word += '\f';
            return {};
        case 'v':
            word += '\v';
            return {};
        case 's':
            word += ' ';
            return {};
        case '\\':
        case '"':
        case '\'':
        case ';':
        case ' ':
            word += c;
            return {};
        case 'x': {
            if (i + 2 > text.size() || hex_digit_value(text[i]) < 0 ||
                hex_digit_value(text[i + 1]) < 0)
                return Error{"a bad \\x escape"};
            int v = hex_digit_value(text[i]) * 16 + hex_digit_value(text[i + 1]);
            i += 2;
            if (v == 0)
                return Error{"an escape that makes a NUL byte"};
            word += static_cast<char>(v);
            return {};
        }
        default:
            if (c >= '0' && c <= '7') {
                if (i + 2 > text.size() || text[i] < '0' || text[i] > '7' || text[i + 1] < '0' ||
                    text[i + 1] > '7')
                    return Error{"a bad octal escape"};
                int v = (c - '0') * 64 + (text[i] - '0') * 8 + (text[i + 1] - '0');
                i += 2;
                if (v == 0 || v > 255)
                    return Error{"a bad octal escape"};
                word += static_cast<char>(v);
                return {};
            }
            return Error{std::string("an unknown escape \\") + c};
    }
}

bool is_name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// Whether a word refers to a variable ($NAME or ${NAME}); "$$" is a literal $.
bool has_variable(std::string_view word) {
    for (size_t i = 0; i + 1 < word.size(); ++i)
        if (word[i] == '$') {
            if (word[i + 1] == '$') {
                ++i;
                continue;
            }
            if (word[i + 1] == '{' || is_name_start(word[i + 1]))
                return true;
        }
    return false;
}

std::string without_double_dollar(std::string_view word) {
    std::string out;
    for (size_t i = 0; i < word.size(); ++i) {
        out += word[i];
        if (word[i] == '$' && i + 1 < word.size() && word[i + 1] == '$')
            ++i;
    }
    return out;
}

// A word for sh -c that expands the variables systemd would: a lone $NAME
// unquoted (systemd splits it into words too), otherwise double quotes with
// only variable references live.
std::string shell_word(std::string_view word) {
    if (word.size() > 1 && word[0] == '$' && is_name_start(word[1])) {
        bool plain = true;
        for (char c : word.substr(1))
            plain = plain && (is_name_start(c) || (c >= '0' && c <= '9'));
        if (plain)
            return std::string(word);
    }
    bool safe = !word.empty();
    for (char c : word)
        safe = safe && (is_name_start(c) || (c >= '0' && c <= '9') ||
                        std::string_view("/.,:=+-@%").find(c) != std::string_view::npos);
    if (safe)
        return std::string(word);
    std::string out = "\"";
    for (size_t i = 0; i < word.size(); ++i) {
        char c = word[i];
        if (c == '$') {
            bool live = i + 1 < word.size() && (word[i + 1] == '{' || is_name_start(word[i + 1]));
            if (i + 1 < word.size() && word[i + 1] == '$')
                ++i;
            out += live ? "$" : "\\$";
            continue;
        }
        if (c == '"' || c == '\\' || c == '`')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Result<std::vector<std::string>> split_systemd_words(std::string_view text) {
    std::vector<std::string> words;
    size_t i = 0;
    while (true) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        if (i >= text.size())
            return words;
        std::string word;
        char quote = 0;
        while (i < text.size()) {
            char c = text[i];
            if (!quote && is_space(c))
                break;
            ++i;
            if (c == '\\') {
                auto ok = unescape(text, i, word);
                if (!ok)
                    return ok.error();
            } else if (quote && c == quote) {
                quote = 0;
            } else if (!quote && (c == '"' || c == '\'')) {
                quote = c;
            } else {
                word += c;
            }
        }
        if (quote)
            return Error{"an unterminated quote"};
        words.push_back(std::move(word));
    }
}

Result<std::vector<SystemdCommand>> parse_systemd_exec(std::string_view line) {
    auto words = split_systemd_words(line);
    if (!words)
        return words.error();
    std::vector<std::vector<std::string>> groups(1);
    for (auto& w : *words) {
        if (w == ";") {  // systemd's separator of several commands
            groups.emplace_back();
            continue;
        }
        groups.back().push_back(std::move(w));
    }
    std::vector<SystemdCommand> commands;
    for (auto& argv : groups) {
        if (argv.empty())
            continue;
        SystemdCommand command;
        std::string& first = argv[0];
        size_t n = 0;
        bool ignore_failure = false, argv0 = false, no_expand = false;
        while (n < first.size() && std::string_view("-@+!:|").find(first[n]) != std::string::npos) {
            char p = first[n++];
            if (p == '-')
                ignore_failure = true;
            else if (p == '@')
                argv0 = true;
            else if (p == ':')
                no_expand = true;
            else if (p == '+' || p == '!')
                command.notes.push_back(std::string("prefix \"") + p +
                                        "\" (extra privileges) not carried: the command runs "
                                        "as the service's user");
            else
                command.notes.push_back("prefix \"|\" (login shell) not carried");
        }
        first.erase(0, n);
        if (argv0) {
            if (argv.size() < 2)
                return Error{"\"@\" without the argv[0] word"};
            command.notes.push_back("prefix \"@\" not carried: argv[0] \"" + argv[1] +
                                    "\" is the program's path");
            argv.erase(argv.begin() + 1);
        }
        if (first.empty())
            return Error{"a command with no program"};
        bool variables = false;
        for (const auto& w : argv)
            variables = variables || (!no_expand && has_variable(w));
        if (variables) {
            std::string script = "exec";
            for (const auto& w : argv)
                script += " " + shell_word(w);
            command.argv = {"/bin/sh", "-c", script};
            command.notes.push_back("$VARIABLES are expanded by /bin/sh -c");
        } else {
            for (auto& w : argv)
                command.argv.push_back(no_expand ? w : without_double_dollar(w));
        }
        if (ignore_failure)
            command.argv[0] = "-" + command.argv[0];
        commands.push_back(std::move(command));
    }
    if (commands.empty())
        return Error{"no command"};
    return commands;
}

Result<std::string> translate_specifiers(std::string_view text, std::string_view unit,
                                         bool is_template) {
    std::string out;
    std::string prefix(unit.substr(0, unit.find('@')));
    std::string name = is_template ? std::string(unit) + "%i" : std::string(unit);
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 1 >= text.size())
            return Error{"a lone % at the end"};
        char s = text[++i];
        switch (s) {
            case '%':
                out += is_template ? "%%" : "%";
                break;
            case 'i':
            case 'I':
                if (!is_template)
                    return Error{std::string("specifier %") + s + " outside a template"};
                out += '%';
                out += s;
                break;
            case 'n':
                out += name + ".service";
                break;
            case 'N':
                out += name;
                break;
            case 'p':
            case 'P':
                out += prefix;
                break;
            case 't':
                out += "/run";
                break;
            case 'S':
                out += "/var/lib";
                break;
            case 'L':
                out += "/var/log";
                break;
            case 'C':
                out += "/var/cache";
                break;
            case 'E':
                out += "/etc";
                break;
            case 'T':
                out += "/tmp";
                break;
            case 'V':
                out += "/var/tmp";
                break;
            default:
                return Error{std::string("specifier %") + s + " has no fastinit equivalent"};
        }
    }
    return out;
}

Result<std::optional<std::chrono::microseconds>> parse_systemd_timespan(std::string_view text) {
    if (text == "infinity")
        return std::optional<std::chrono::microseconds>();
    struct UnitScale {
        std::string_view name;
        double us;
    };
    static const UnitScale kUnits[] = {
        {"usec", 1},          {"us", 1},          {"\xC2\xB5s", 1},      {"msec", 1e3},
        {"ms", 1e3},          {"seconds", 1e6},   {"second", 1e6},       {"sec", 1e6},
        {"s", 1e6},           {"minutes", 60e6},  {"minute", 60e6},      {"min", 60e6},
        {"m", 60e6},          {"hours", 3600e6},  {"hour", 3600e6},      {"hr", 3600e6},
        {"h", 3600e6},        {"days", 86400e6},  {"day", 86400e6},      {"d", 86400e6},
        {"weeks", 604800e6},  {"week", 604800e6}, {"w", 604800e6},       {"months", 2629800e6},
        {"month", 2629800e6}, {"M", 2629800e6},   {"years", 31557600e6}, {"year", 31557600e6},
        {"y", 31557600e6},
    };
    double total = 0;
    size_t i = 0;
    bool any = false;
    while (true) {
        while (i < text.size() && is_space(text[i]))
            ++i;
        if (i >= text.size())
            break;
        size_t start = i;
        while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
            ++i;
        std::string number(text.substr(start, i - start));
        if (number.empty() || number.size() > 18 || number.front() == '.' ||
            number.find('.') != number.rfind('.'))
            return Error{"\"" + std::string(text) + "\" is not a time span"};
        double value = std::stod(number);
        while (i < text.size() && is_space(text[i]))
            ++i;
        size_t unit_start = i;
        while (i < text.size() && !is_space(text[i]) && !(text[i] >= '0' && text[i] <= '9'))
            ++i;
        std::string_view unit = text.substr(unit_start, i - unit_start);
        double scale = unit.empty() ? 1e6 : 0;
        for (const auto& u : kUnits)
            if (u.name == unit)
                scale = u.us;
        if (scale == 0)
            return Error{"\"" + std::string(text) + "\": unknown time unit \"" + std::string(unit) +
                         "\""};
        total += value * scale;
        any = true;
        if (total > 1e18)
            return Error{"\"" + std::string(text) + "\" is too long"};
    }
    if (!any)
        return Error{"an empty time span"};
    return std::optional<std::chrono::microseconds>(
        std::chrono::microseconds(static_cast<int64_t>(std::llround(total))));
}

}  // namespace fastinit
