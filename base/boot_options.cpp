#include "base/boot_options.h"

#include <tuple>

#include "base/byte_size.h"

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
    // init= is the kernel's own spelling of the same wish and what other
    // initramfs honour; fastinit.handoff= is fastinit's alone, so when both
    // are given it is the more specific one and wins. An empty value names
    // no program: the default candidates are meant.
    if (auto handoff = cmdline.value("fastinit.handoff"); handoff && !handoff->empty())
        options.handoff = *handoff;
    else if (auto init = cmdline.value("init"); init && !init->empty())
        options.handoff = *init;
    options.target = cmdline.value("fastinit.target").value_or("");
    // The words every init has understood (SysV's runlevel 1, systemd's
    // spellings), so that Debian's "single" boot entry still means rescue.
    // fastinit.target= is fastinit's own and wins.
    if (options.target.empty()) {
        for (const char* word : {"emergency", "-b"})
            if (cmdline.has(word))
                options.target = "emergency";
        if (options.target.empty())
            for (const char* word : {"rescue", "single", "s", "S", "1"})
                if (cmdline.has(word))
                    options.target = "rescue";
    }
    options.kdump = boot_flag(cmdline, "fastinit.kdump");
    if (auto timeout = cmdline.value("fastinit.kdump_timeout")) {
        // A bad value keeps the default deadline: a capture always has one.
        if (auto parsed = parse_duration(*timeout); parsed && *parsed > Duration::zero())
            options.kdump_timeout = *parsed;
    }
    if (auto timeout = cmdline.value("fastinit.root_timeout")) {
        auto parsed = parse_duration(*timeout);
        if (parsed)
            options.root_timeout = *parsed;
        else
            options.root_timeout_error =
                Error{"fastinit.root_timeout: " + parsed.error().message, 0};
    }
    if (auto size = cmdline.value("fastinit.journal_size")) {
        ByteSize parsed = parse_byte_size(*size);
        if (parsed.status == ByteSizeStatus::ok)
            options.journal_size = parsed.bytes;
        else
            options.journal_size_error =
                Error{"fastinit.journal_size: \"" + std::string(*size) + "\" is not a size", 0};
    }
    if (cmdline.has("fastinit.journal_persistent"))
        options.journal_persistent = boot_flag(cmdline, "fastinit.journal_persistent");
    for (auto [key, target, suffix] :
         {std::tuple{"fastinit.journal_file_size", &options.journal_file_size, true},
          std::tuple{"fastinit.journal_files", &options.journal_files, false}}) {
        auto value = cmdline.value(key);
        if (!value)
            continue;
        ByteSize parsed = parse_byte_size(*value, suffix);
        if (parsed.status == ByteSizeStatus::ok)
            *target = parsed.bytes;
        else
            options.journal_errors.push_back(Error{std::string(key) + ": \"" + std::string(*value) +
                                                       "\" is not " +
                                                       (suffix ? "a size" : "a number"),
                                                   0});
    }
    for (auto [key, out] : {std::pair{"fastinit.watchdog", &options.watchdog},
                            std::pair{"fastinit.reboot_watchdog", &options.reboot_watchdog}}) {
        auto text = cmdline.value(key);
        if (!text)
            continue;
        if (*text == "off") {
            *out = Duration(0);
            continue;
        }
        auto parsed = parse_duration(*text);
        if (parsed)
            *out = *parsed;
        else
            options.watchdog_errors.push_back(
                Error{std::string(key) + ": " + parsed.error().message, 0});
    }
    if (cmdline.has("fastinit.try")) {
        auto parsed = parse_duration(cmdline.value("fastinit.try").value_or(""));
        if (parsed && parsed->count() > 0)
            options.trial = *parsed;
        else
            options.trial_error =
                Error{"fastinit.try: " + (parsed ? std::string("a trial needs a deadline above 0")
                                                 : parsed.error().message),
                      0};
    }
    return options;
}

}  // namespace fastinit
