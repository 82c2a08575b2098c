#include "base/boot_options.h"

namespace fastinit {

bool boot_flag(const KernelCmdline& cmdline, std::string_view key) {
    if (!cmdline.has(key))
        return false;
    auto value = cmdline.value(key);
    return !value || (*value != "0" && *value != "no" && *value != "false" && *value != "off");
}

BootOptions parse_boot_options(const KernelCmdline& cmdline) {
    BootOptions options;
    options.debug = boot_flag(cmdline, "fastinit.debug");
    options.reprobe = boot_flag(cmdline, "fastinit.reprobe");
    // An empty path names no file: the default is meant.
    if (auto cache = cmdline.value("fastinit.device_cache"); cache && !cache->empty())
        options.device_cache = *cache;
    options.handoff = cmdline.value("fastinit.handoff").value_or("");
    options.target = cmdline.value("fastinit.target").value_or("");
    if (auto timeout = cmdline.value("fastinit.root_timeout")) {
        auto parsed = parse_duration(*timeout);
        if (parsed)
            options.root_timeout = *parsed;
        else
            options.root_timeout_error =
                Error{"fastinit.root_timeout: " + parsed.error().message, 0};
    }
    return options;
}

}  // namespace fastinit
