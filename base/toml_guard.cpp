#include "base/toml_guard.h"

#include <algorithm>

#include <cstddef>

#include "base/text.h"

namespace fastinit {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_non_ascii(char c) {
    return static_cast<unsigned char>(c) >= 0x80;
}

bool is_bare_key_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '-';
}

bool can_start_key(char c) {
    return is_bare_key_character(c) || c == '"' || c == '\'';
}

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Where toml++ stops scanning a bare value (its is_value_terminator, for
// ASCII).
bool ends_bare_value(char c) {
    return is_blank(c) || c == ']' || c == '}' || c == ',' || c == '#';
}

bool starts_token(char c) {
    return !is_blank(c) && std::string_view("\"'[]{},=#").find(c) == std::string_view::npos;
}

// "YYYY-MM-DD" ends right before `end`.
bool date_ends_at(std::string_view text, size_t end) {
    if (end < 10)
        return false;
    std::string_view d = text.substr(end - 10, 10);
    for (size_t k : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u})
        if (!is_digit(d[k]))
            return false;
    return d[4] == '-' && d[7] == '-';
}

}  // namespace

std::string toml_ascii_copy(std::string_view text) {
    std::string copy(text);
    for (char& c : copy)
        if (static_cast<unsigned char>(c) >= 0x80)
            c = '?';
    return copy;
}

std::optional<GuardFinding> find_unsafe_toml(std::string_view text) {
    // Line by line, to say which line (a UTF-8 sequence never spans one).
    int line_number = 1;
    for (size_t begin = 0; begin < text.size(); ++line_number) {
        size_t end = std::min(text.find('\n', begin), text.size());
        if (!is_valid_utf8(text.substr(begin, end - begin)))
            return GuardFinding{line_number, 1, "this line is not UTF-8 text"};
        begin = end + 1;
    }
    enum class State { plain, comment, basic, literal, multi_basic, multi_literal };
    State state = State::plain;
    int line = 1, column = 0, dots = 0;
    // Outside strings: whether this line holds anything yet (a '[' that
    // begins a line outside a value opens a table header), whether a value
    // began (after '='), the arrays and inline tables open in it, and
    // whether a key comes next (in an inline table, after '{' or ',').
    bool line_has_content = false, in_value = false, key_next = false;
    std::string open;
    // Inside a value, the bare word being read: a bare value (number, bool,
    // date) runs, as toml++ scans it, to a blank, ']', '}', ',' or '#', so
    // quotes and brackets in it are not what they seem; a bare key ends at
    // its first character that is not a key character.
    enum class Token { none, key, value };
    Token token = Token::none;
    // The last character outside strings other than blanks ('\n' at the
    // start of a line): a quote opens a string only after one of "=[{,." or
    // at the start of a line, as in TOML. Elsewhere toml++ takes it as part
    // of a bare value and reads on past it, so the guard would misplace
    // every string after it.
    char last = '\n';
    auto finding = [&](std::string message) {
        return GuardFinding{line, column, std::move(message)};
    };
    // The length of the run of `quote` at i (a multi-line string ends at the
    // end of such a run: """a"""" is the string a").
    auto run = [&](size_t i, char quote) {
        size_t n = 0;
        while (i + n < text.size() && text[i + n] == quote)
            ++n;
        return n;
    };
    // At a quote inside a string: a single-line string ends here; a
    // multi-line one ends at three or more quotes, whose rest is skipped.
    // Returns how many more characters to skip.
    auto close_quote = [&](size_t i, char quote, bool single_line) -> size_t {
        last = quote;
        if (single_line) {
            state = State::plain;
            return 0;
        }
        size_t n = run(i, quote);
        if (n >= 3)
            state = State::plain;
        return n - 1;
    };
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        ++column;
        if (c == '\n') {
            ++line;
            column = 0;
            if (state == State::comment || state == State::basic || state == State::literal)
                state = State::plain;
            if (state == State::plain) {
                line_has_content = false;
                last = '\n';
                token = Token::none;
                if (open.empty())
                    in_value = key_next = false;
            }
            continue;
        }
        size_t skip = 0;
        switch (state) {
            case State::plain:
                if (is_non_ascii(c))
                    return finding(
                        "a non-ASCII character outside strings and comments (TOML allows them "
                        "only there)");
                if (token == Token::value && ends_bare_value(c))
                    token = Token::none;
                if (token == Token::key && !is_bare_key_character(c))
                    token = Token::none;
                if (token != Token::none && (c == '"' || c == '\''))
                    return finding(
                        "a quote inside a key or value (strings begin after =, [, {, a comma or "
                        "a dot)");
                if (token == Token::none && in_value && starts_token(c))
                    token = key_next ? Token::key : Token::value;
                if (c == '#') {
                    state = State::comment;
                } else if (c == '.') {
                    if (++dots > kMaxDotsOutsideStrings)
                        return finding("more than " + std::to_string(kMaxDotsOutsideStrings) +
                                       " dots outside strings: keys nested this deeply are not "
                                       "supported");
                } else if (c == '"' || c == '\'') {
                    if (std::string_view("\n=[{,.").find(last) == std::string_view::npos)
                        return finding(
                            "a quote inside a key or value (strings begin after =, "
                            "[, {, a comma or a dot)");
                    size_t n = run(i, c);
                    if (n >= 3) {
                        state = c == '"' ? State::multi_basic : State::multi_literal;
                        skip = 2;
                    } else if (n == 2) {
                        skip = 1;  // an empty string
                    } else {
                        state = c == '"' ? State::basic : State::literal;
                    }
                } else if (token == Token::value) {
                    // Brackets and '=' in a bare value are toml++'s error.
                    if ((c == 'T' || c == 't') && date_ends_at(text, i) &&
                        (i + 1 >= text.size() || !is_digit(text[i + 1])))
                        return finding("a date-time needs a time right after its T, as in " +
                                       std::string("2024-01-31T08:00:00"));
                } else if (c == '=') {
                    in_value = true;
                    key_next = false;
                } else if (c == '[' && !in_value && !line_has_content) {
                    size_t j = i + 1;
                    if (j < text.size() && text[j] == '[')
                        ++j;
                    while (j < text.size() && (text[j] == ' ' || text[j] == '\t'))
                        ++j;
                    if (j >= text.size() || !can_start_key(text[j]))
                        return finding("a table header must begin with a key name, as in [unit]");
                } else if ((c == '[' || c == '{') && in_value) {
                    open += c;
                    key_next = c == '{';
                } else if ((c == ']' || c == '}') && in_value) {
                    if (!open.empty() && open.back() == (c == ']' ? '[' : '{'))
                        open.pop_back();
                    key_next = false;
                } else if (c == ',' && in_value) {
                    key_next = !open.empty() && open.back() == '{';
                }
                if (c != ' ' && c != '\t' && c != '\r') {
                    line_has_content = true;
                    if (state == State::plain || state == State::comment)
                        last = c;
                }
                break;
            case State::comment:
                break;
            case State::basic:
            case State::multi_basic:
                if (c == '\\' && state == State::multi_basic) {
                    // What follows a backslash (after a line-ending one, the
                    // first character after the blank run) is classified with
                    // toml++'s whitespace table.
                    size_t j = i + 1;
                    while (j < text.size() && (text[j] == ' ' || text[j] == '\t' ||
                                               text[j] == '\r' || text[j] == '\n'))
                        ++j;
                    if (j < text.size() && is_non_ascii(text[j]))
                        return finding(
                            "a non-ASCII character after a backslash in a multi-line string");
                }
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
                    skip = 1;
                } else if (c == '"') {
                    skip = close_quote(i, c, state == State::basic);
                }
                break;
            case State::literal:
            case State::multi_literal:
                if (c == '\'')
                    skip = close_quote(i, c, state == State::literal);
                break;
        }
        i += skip;
        column += static_cast<int>(skip);
    }
    return std::nullopt;
}

}  // namespace fastinit
