#include "base/kernel_cmdline.h"

namespace fastinit {

KernelCmdline KernelCmdline::parse(std::string_view text) {
    KernelCmdline result;
    std::string word;
    bool in_quotes = false;
    bool have_word = false;
    for (char c : text) {
        if (c == '"') {
            in_quotes = !in_quotes;
            have_word = true;
            continue;
        }
        if (!in_quotes && (c == ' ' || c == '\t' || c == '\n')) {
            if (have_word)
                result.m_words.push_back(std::move(word));
            word.clear();
            have_word = false;
            continue;
        }
        word += c;
        have_word = true;
    }
    if (have_word)
        result.m_words.push_back(std::move(word));
    return result;
}

bool KernelCmdline::has(std::string_view key) const {
    for (const auto& w : m_words) {
        std::string_view view(w);
        if (view == key)
            return true;
        if (view.size() > key.size() && view.substr(0, key.size()) == key &&
            view[key.size()] == '=')
            return true;
    }
    return false;
}

std::optional<std::string> KernelCmdline::value(std::string_view key) const {
    std::optional<std::string> found;
    for (const auto& w : m_words) {
        std::string_view view(w);
        if (view.size() > key.size() && view.substr(0, key.size()) == key &&
            view[key.size()] == '=')
            found = std::string(view.substr(key.size() + 1));
    }
    return found;
}

}  // namespace fastinit
