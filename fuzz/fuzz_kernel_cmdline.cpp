// The kernel command line, which PID 1 and stage 1 read from /proc/cmdline:
// KernelCmdline::parse on any bytes, the boot options read from it
// (parse_boot_options, durations included), then lookups of the keys the
// init asks for and of words it found.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/boot_options.h"
#include "base/kernel_cmdline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    KernelCmdline cmdline = KernelCmdline::parse(text);
    (void)parse_boot_options(cmdline);
    for (const char* key : {"root", "fastinit.target", "fastinit.debug", "ro", "rw", ""}) {
        (void)cmdline.has(key);
        (void)cmdline.value(key);
    }
    // The keys of the first words: each lookup scans every word, so all of
    // them would make a long input quadratic and the run slow.
    size_t looked_up = 0;
    for (const auto& word : cmdline.words()) {
        if (++looked_up > 16)
            break;
        std::string key = word.substr(0, word.find('='));
        (void)cmdline.has(key);
        (void)cmdline.value(key);
    }
    return 0;
}
