#include "initd/unit/dotted_key_guard.h"

#include <cstddef>

namespace fastinit {

std::pair<int, int> find_excessive_dots(std::string_view text) {
    enum class State { plain, comment, basic, literal, multi_basic, multi_literal };
    State state = State::plain;
    int line = 1, column = 0, dots = 0;
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
            continue;
        }
        size_t skip = 0;
        switch (state) {
            case State::plain:
                if (c == '#') {
                    state = State::comment;
                } else if (c == '.') {
                    if (++dots > kMaxDotsOutsideStrings)
                        return {line, column};
                } else if (c == '"' || c == '\'') {
                    size_t n = run(i, c);
                    if (n >= 3) {
                        state = c == '"' ? State::multi_basic : State::multi_literal;
                        skip = 2;
                    } else if (n == 2) {
                        skip = 1;  // an empty string
                    } else {
                        state = c == '"' ? State::basic : State::literal;
                    }
                }
                break;
            case State::comment:
                break;
            case State::basic:
            case State::multi_basic:
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
    return {0, 0};
}

}  // namespace fastinit
