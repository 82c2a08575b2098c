#include "kexec/toml_precheck.h"

#include "base/text.h"

namespace fastinit {
namespace {

// Where the scanner is: in plain TOML, a comment, or one of the four kinds
// of string (basic "...", literal '...', and their triple-quoted forms).
enum class Place { plain, comment, basic, literal, long_basic, long_literal };

size_t run_of(std::string_view text, size_t i, char c) {
    size_t n = 0;
    while (i + n < text.size() && text[i + n] == c)
        ++n;
    return n;
}

// The 1-based line and column of byte `at`.
TomlRefusal refuse_at(std::string_view text, size_t at, std::string message) {
    TomlRefusal refusal{1, 1, std::move(message)};
    for (size_t i = 0; i < at; ++i) {
        if (text[i] == '\n') {
            ++refusal.line;
            refusal.column = 1;
        } else {
            ++refusal.column;
        }
    }
    return refusal;
}

}  // namespace

TomlRefusal precheck_toml(std::string_view text, std::string* ascii) {
    // Line by line, to say which line (a UTF-8 sequence never spans one).
    for (size_t begin = 0, line = 1; begin < text.size(); ++line) {
        size_t end = text.find('\n', begin);
        if (end == std::string_view::npos)
            end = text.size();
        if (!is_valid_utf8(text.substr(begin, end - begin)))
            return {static_cast<int>(line), 1, "this line is not UTF-8 text"};
        begin = end + 1;
    }
    Place place = Place::plain;
    int dots = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') {
            // Single-line strings and comments end with their line (an
            // unterminated string is toml++'s to report).
            if (place == Place::comment || place == Place::basic || place == Place::literal)
                place = Place::plain;
            continue;
        }
        switch (place) {
            case Place::plain:
                if (static_cast<unsigned char>(c) >= 0x80)
                    return refuse_at(text, i,
                                     "a character that is not ASCII outside a string or comment");
                if (c == '#') {
                    place = Place::comment;
                } else if (c == '.') {
                    if (++dots > kMaxTomlDots)
                        return refuse_at(text, i,
                                         "more than " + std::to_string(kMaxTomlDots) +
                                             " dots outside strings (keys nested this deep are "
                                             "not supported)");
                } else if (c == '"' || c == '\'') {
                    size_t n = run_of(text, i, c);
                    if (n >= 3) {
                        place = c == '"' ? Place::long_basic : Place::long_literal;
                        i += 2;
                    } else if (n == 2) {
                        i += 1;  // "": an empty string
                    } else {
                        place = c == '"' ? Place::basic : Place::literal;
                    }
                }
                break;
            case Place::comment:
                break;
            case Place::basic:
            case Place::long_basic:
                if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
                    ++i;  // an escaped character, perhaps a quote
                } else if (c == '"') {
                    if (place == Place::basic) {
                        place = Place::plain;
                    } else if (size_t n = run_of(text, i, c); n >= 3) {
                        // """a"""" ends at the last three quotes of the run.
                        place = Place::plain;
                        i += n - 1;
                    }
                }
                break;
            case Place::literal:
            case Place::long_literal:
                if (c == '\'') {
                    if (place == Place::literal) {
                        place = Place::plain;
                    } else if (size_t n = run_of(text, i, c); n >= 3) {
                        place = Place::plain;
                        i += n - 1;
                    }
                }
                break;
        }
    }
    if (ascii) {
        ascii->assign(text);
        for (char& c : *ascii)
            if (static_cast<unsigned char>(c) >= 0x80)
                c = '?';
    }
    return {};
}

}  // namespace fastinit
