#include "kexec/grubenv.h"

#include <algorithm>

namespace fastinit {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A release must look like a file-name part: "/" or ".." would let a
// hostile grubenv point outside the boot directory.
bool plausible_release(std::string_view s) {
    if (s.empty() || s.size() > 200 || s.find("..") != std::string_view::npos)
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '.' || c == '-' || c == '_' || c == '+' || c == '~';
    });
}

}  // namespace

Result<GrubEnv> parse_grubenv(std::string_view text) {
    std::string_view signature = kGrubenvSignature;
    if (text.substr(0, signature.size()) != signature)
        return Error{"not a GRUB environment block (no \"# GRUB Environment Block\" line)"};
    GrubEnv env;
    size_t i = signature.size();
    while (i < text.size()) {
        // One line; a backslash takes the next byte with it, newline too.
        std::string line;
        bool escaped_any = false;
        size_t equals = std::string::npos;
        for (; i < text.size() && text[i] != '\n'; ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                ++i;
                escaped_any = true;
            } else if (text[i] == '=' && equals == std::string::npos && !escaped_any) {
                equals = line.size();
            }
            line.push_back(text[i]);
        }
        ++i;  // the newline
        if (line.empty() || line.front() == '#' || equals == std::string::npos || equals == 0)
            continue;
        env.variables[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return env;
}

GrubEntryName parse_grub_entry_name(std::string_view value) {
    GrubEntryName name;
    size_t gt = value.rfind('>');
    std::string_view last = gt == std::string_view::npos ? value : value.substr(gt + 1);
    name.last = std::string(last);
    name.index = all_digits(last);
    std::string_view release;
    constexpr std::string_view prefix = "gnulinux-";
    if (last.substr(0, prefix.size()) == prefix) {
        std::string_view rest = last.substr(prefix.size());
        for (std::string_view kind : {"-advanced-", "-recovery-"}) {
            size_t at = rest.rfind(kind);
            if (at != std::string_view::npos) {
                release = rest.substr(0, at);
                break;
            }
        }
    } else if (size_t at = last.rfind(", with Linux "); at != std::string_view::npos) {
        release = last.substr(at + std::string_view(", with Linux ").size());
        // "... (recovery mode)" is the same kernel.
        if (size_t space = release.find(' '); space != std::string_view::npos)
            release = release.substr(0, space);
    }
    if (plausible_release(release))
        name.release = std::string(release);
    return name;
}

}  // namespace fastinit
