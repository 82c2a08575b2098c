// The kernel command line (/proc/cmdline): words separated by spaces, double
// quotes group a value with spaces ("foo=\"a b\"").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

class KernelCmdline {
  public:
    static KernelCmdline parse(std::string_view text);

    const std::vector<std::string>& words() const { return m_words; }
    // True if the bare word (or "word=...") is present.
    bool has(std::string_view key) const;
    // The value of the last "key=value", if any.
    std::optional<std::string> value(std::string_view key) const;

  private:
    std::vector<std::string> m_words;
};

}  // namespace fastinit
