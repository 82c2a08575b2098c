// Turns the bytes a service writes to its output pipe into log lines.
//
// Rule: every byte the service wrote ends up in exactly one line, and no
// line is longer than kMaxLineBytes. A line split across reads is joined; the
// bytes after the last newline are a line of their own when the pipe ends
// (finish()). A longer line is cut: its first kMaxLineBytes bytes are a line,
// the rest up to its newline is dropped and counted (cut_lines, cut_bytes).
// Each line may start with sd-daemon(3)'s "<N>" (N from 0 to 7), which sets
// its priority and is taken off; without one a line has the default
// priority. Text is stored as it can be shown and sent over D-Bus: control
// bytes (NUL included, tab excepted) become "\xNN", and bytes that are not
// well-formed UTF-8 become U+FFFD.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fastinit {

inline constexpr size_t kMaxLineBytes = 4096;

class OutputLines {
  public:
    // Called with each whole line (without its newline).
    using Sink = std::function<void(int priority, std::string_view text)>;

    explicit OutputLines(int default_priority = 6) : m_default_priority(default_priority) {}

    void feed(std::string_view bytes, const Sink& sink);
    // The writer is gone: what is left is the last line.
    void finish(const Sink& sink);

    uint64_t cut_lines() const { return m_cut_lines; }
    uint64_t cut_bytes() const { return m_cut_bytes; }

  private:
    void emit(const Sink& sink);

    int m_default_priority;
    std::string m_pending;   // the raw bytes of the current line so far
    bool m_cutting = false;  // past kMaxLineBytes: dropping until newline
    uint64_t m_cut_lines = 0;
    uint64_t m_cut_bytes = 0;
};

// One raw line as it is stored: its priority taken from a "<N>" prefix
// (else `default_priority`), the text escaped as above.
std::string clean_log_text(std::string_view raw, int default_priority, int& priority);

}  // namespace fastinit
