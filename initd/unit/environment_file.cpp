#include "initd/unit/environment_file.h"

#include <unordered_map>

#include "initd/unit/environment_name.h"

namespace fastinit {
namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Walks the text once; each entry is a key, '=', and a value that may span
// lines (quotes, continuations), so lines are counted as they pass.
class Reader {
  public:
    Reader(std::string_view path, std::string_view text) : m_path(path), m_text(text) {}

    EnvironmentFileContents run() {
        while (m_at < m_text.size())
            entry();
        return std::move(m_out);
    }

  private:
    bool at_end() const { return m_at >= m_text.size(); }
    char peek() const { return m_text[m_at]; }
    char take() {
        char c = m_text[m_at++];
        if (c == '\n')
            ++m_line;
        return c;
    }
    void skip_line() {
        while (!at_end() && take() != '\n') {
        }
    }
    void problem(int line, const std::string& message) {
        m_out.problems.push_back(std::string(m_path) + ":" + std::to_string(line) + ": " + message);
    }

    void entry() {
        while (!at_end() && is_blank(peek()))
            take();
        if (at_end())
            return;
        const int line = m_line;
        if (peek() == '\n' || peek() == '#' || peek() == ';') {
            skip_line();
            return;
        }
        std::string key;
        while (!at_end() && peek() != '=' && peek() != '\n')
            key += take();
        if (at_end() || peek() == '\n') {
            problem(line, "expected NAME=value, got \"" + escape_for_message(key) + "\"");
            skip_line();
            return;
        }
        take();  // '='
        while (!key.empty() && is_blank(key.back()))
            key.pop_back();
        std::string value;
        std::string error;
        read_value(value, error);
        if (!error.empty()) {
            problem(line, error);
            return;
        }
        if (auto name = check_environment_name(key); !name) {
            problem(line, name.error().message);
            return;
        }
        if (value.find('\0') != std::string::npos) {
            problem(line, key + ": the value contains a NUL byte");
            return;
        }
        // Indexed: a file of 256 KiB may hold tens of thousands of names.
        auto [it, inserted] = m_index.try_emplace(key, m_out.variables.size());
        if (!inserted) {
            m_out.variables[it->second].second = std::move(value);
            return;
        }
        m_out.variables.emplace_back(std::move(key), std::move(value));
    }

    // Up to the end of the line that ends the value (consumed). Trailing
    // blanks of the value are dropped unless quoted or escaped.
    void read_value(std::string& value, std::string& error) {
        while (!at_end() && is_blank(peek()) && peek() != '\n')
            take();
        size_t kept = 0;  // length that trailing-blank trimming must keep
        while (!at_end()) {
            char c = take();
            if (c == '\n')
                break;
            if (c == '\\') {
                if (at_end())
                    break;
                char next = take();
                if (next != '\n') {
                    value += next;
                    kept = value.size();
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                if (!quoted(c, value)) {
                    error = std::string("unterminated ") + (c == '\'' ? "'" : "\"") + " quote";
                    return;
                }
                kept = value.size();
                continue;
            }
            value += c;
            if (!is_blank(c))
                kept = value.size();
        }
        value.resize(kept);
    }

    bool quoted(char quote, std::string& value) {
        while (!at_end()) {
            char c = take();
            if (c == quote)
                return true;
            if (quote == '"' && c == '\\' && !at_end()) {
                char next = peek();
                if (next == '"' || next == '\\' || next == '`' || next == '$') {
                    value += take();
                    continue;
                }
                if (next == '\n') {
                    take();
                    continue;
                }
            }
            value += c;
        }
        return false;
    }

    std::string_view m_path;
    std::string_view m_text;
    size_t m_at = 0;
    int m_line = 1;
    EnvironmentFileContents m_out;
    std::unordered_map<std::string, size_t> m_index;  // name → position in m_out
};

}  // namespace

EnvironmentFileContents parse_environment_file(std::string_view path, std::string_view text) {
    return Reader(path, text).run();
}

void set_environment_variables(std::vector<std::string>& environment,
                               const std::vector<std::pair<std::string, std::string>>& variables) {
    // Indexed by name: both lists may hold tens of thousands of entries.
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < environment.size(); ++i)
        index.try_emplace(environment[i].substr(0, environment[i].find('=')), i);
    for (const auto& [name, value] : variables) {
        auto [it, inserted] = index.try_emplace(name, environment.size());
        if (inserted)
            environment.push_back(name + "=" + value);
        else
            environment[it->second] = name + "=" + value;
    }
}

void set_environment_variable(std::vector<std::string>& environment, std::string_view name,
                              std::string_view value) {
    std::string entry = std::string(name) + "=" + std::string(value);
    for (auto& existing : environment) {
        if (existing.size() > name.size() && existing.compare(0, name.size(), name) == 0 &&
            existing[name.size()] == '=') {
            existing = std::move(entry);
            return;
        }
    }
    environment.push_back(std::move(entry));
}

}  // namespace fastinit
