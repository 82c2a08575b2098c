#include "kexec/cmdline.h"

#include <algorithm>

#include "base/trial_boot.h"

namespace fastinit {
namespace {

bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The word's parameter name: up to '=', quotes removed.
std::string key_of(std::string_view word) {
    std::string key;
    for (char c : word) {
        if (c == '=')
            break;
        if (c != '"')
            key += c;
    }
    return key;
}

}  // namespace

std::vector<std::string> split_cmdline_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_quotes = false;
    for (char c : text) {
        if (c == '"')
            in_quotes = !in_quotes;
        if (!in_quotes && is_separator(c)) {
            if (!word.empty())
                words.push_back(std::move(word));
            word.clear();
            continue;
        }
        word += c;
    }
    if (!word.empty())
        words.push_back(std::move(word));
    return words;
}

bool is_one_shot_word(std::string_view word) {
    std::string key = key_of(word);
    return key == kReprobeWord || word == "--reprobe" || key == "BOOT_IMAGE" || key == "initrd" ||
           key == kTrialWord;
}

NextCmdline build_next_cmdline(const CmdlineEdit& edit) {
    NextCmdline result;
    std::vector<std::string> words;
    for (auto& word : split_cmdline_words(edit.base)) {
        if (edit.drop_one_shot && is_one_shot_word(word))
            result.dropped.push_back(std::move(word));
        else
            words.push_back(std::move(word));
    }
    auto end_of_kernel_words = std::find(words.begin(), words.end(), "--");
    std::vector<std::string> added;
    for (const auto& append : edit.appends)
        for (auto& word : split_cmdline_words(append))
            added.push_back(std::move(word));
    auto has_reprobe = [](const std::vector<std::string>& list) {
        return std::any_of(list.begin(), list.end(),
                           [](const std::string& w) { return key_of(w) == kReprobeWord; });
    };
    if (edit.reprobe && !has_reprobe(words) && !has_reprobe(added))
        added.emplace_back(kReprobeWord);
    for (const auto& replacement : edit.replacing) {
        std::string key = key_of(replacement);
        auto same_key = [&key](const std::string& w) { return key_of(w) == key; };
        end_of_kernel_words = words.erase(
            std::remove_if(words.begin(), end_of_kernel_words, same_key), end_of_kernel_words);
        added.erase(std::remove_if(added.begin(), added.end(), same_key), added.end());
        added.push_back(replacement);
    }
    words.insert(end_of_kernel_words, added.begin(), added.end());

    for (const auto& word : words) {
        if (!result.text.empty())
            result.text += ' ';
        result.text += word;
    }
    return result;
}

}  // namespace fastinit
