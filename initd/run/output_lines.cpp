#include "initd/run/output_lines.h"

#include "base/text.h"

namespace fastinit {

std::string clean_log_text(std::string_view raw, int default_priority, int& priority) {
    priority = default_priority;
    if (raw.size() >= 3 && raw[0] == '<' && raw[1] >= '0' && raw[1] <= '7' && raw[2] == '>') {
        priority = raw[1] - '0';
        raw.remove_prefix(3);
    }
    std::string escaped;
    escaped.reserve(raw.size());
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : raw) {
        auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
            escaped += "\\x";
            escaped += kHex[byte >> 4];
            escaped += kHex[byte & 0xf];
        } else {
            escaped += c;
        }
    }
    if (is_valid_utf8(escaped))
        return escaped;
    return to_valid_utf8(escaped);
}

void OutputLines::emit(const Sink& sink) {
    int priority = m_default_priority;
    std::string text = clean_log_text(m_pending, m_default_priority, priority);
    m_pending.clear();
    sink(priority, text);
}

void OutputLines::feed(std::string_view bytes, const Sink& sink) {
    while (!bytes.empty()) {
        size_t newline = bytes.find('\n');
        std::string_view part = bytes.substr(0, newline);
        if (m_cutting) {
            m_cut_bytes += part.size();
        } else {
            size_t room = kMaxLineBytes - m_pending.size();
            if (part.size() > room) {
                // The line's first kMaxLineBytes bytes are kept now, so a
                // line that never ends cannot grow anything.
                m_pending.append(part.substr(0, room));
                m_cut_bytes += part.size() - room;
                ++m_cut_lines;
                emit(sink);
                m_cutting = true;
            } else {
                m_pending.append(part);
            }
        }
        if (newline == std::string_view::npos)
            return;
        if (m_cutting)
            m_cutting = false;
        else
            emit(sink);
        bytes.remove_prefix(newline + 1);
    }
}

void OutputLines::finish(const Sink& sink) {
    if (!m_pending.empty())
        emit(sink);
    m_cutting = false;
}

}  // namespace fastinit
