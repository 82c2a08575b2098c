// The next kernel's command line, derived from the one this boot used.
//
// Words are split as the kernel splits them (spaces outside double quotes)
// and kept exactly as written, quotes included, so `foo="a b"` arrives
// unchanged. One-shot words — meant for the boot they were given to — are
// dropped from an inherited command line: `fastinit.reprobe`, `--reprobe`,
// `BOOT_IMAGE=...` (set by the boot loader) and `initrd=...` (a file the EFI
// stub would load on top of the initrd given to kexec). A command line given
// explicitly (--cmdline, `cmdline` in the config) is taken as written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

inline constexpr char kReprobeWord[] = "fastinit.reprobe";

// The words of `text`, each as written (quotes kept).
std::vector<std::string> split_cmdline_words(std::string_view text);

bool is_one_shot_word(std::string_view word);

struct CmdlineEdit {
    std::string base;                  // the command line to start from
    bool drop_one_shot = true;         // false when `base` was given explicitly
    std::vector<std::string> appends;  // each split into words and added
    bool reprobe = false;              // add fastinit.reprobe (once) for the next boot
    // Words "key=value" that replace every word with the same key, wherever
    // it came from (`panic=10` for a trial boot overrides `panic=0`).
    std::vector<std::string> replacing;
};

struct NextCmdline {
    std::string text;
    std::vector<std::string> dropped;  // one-shot words left out, as written
};

// Added words go before a bare "--", which ends the kernel's own parameters
// (the words after it are init's arguments).
NextCmdline build_next_cmdline(const CmdlineEdit& edit);

}  // namespace fastinit
