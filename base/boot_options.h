// Every fastinit.* kernel command-line option (and init=, read as
// fastinit.handoff=), read in one place into one
// typed struct. The rule for a boolean option is one for all of them: the
// bare word, or any value except 0, no, false and off, turns it on
// ("fastinit.reprobe=0" is off everywhere). A bad value never stops the
// parse: the option keeps its default and the error says why, for the caller
// to decide (stage 1 stops on a bad root timeout, as on a bad root=).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/paths.h"
#include "base/result.h"

namespace fastinit {

struct BootOptions {
    bool debug = false;    // fastinit.debug: log at debug level
    bool reprobe = false;  // fastinit.reprobe: probe, do not trust the device cache
    // fastinit.device_cache=PATH: the known-devices cache to use and hand over.
    std::string device_cache = paths::kDeviceCache;
    // fastinit.handoff=PATH, else init=PATH: the init to execute on the real
    // root, tried first. fastinit.handoff= wins when both are given.
    std::string handoff;
    // fastinit.target=NAME: the manager's start target; else "rescue" for
    // the words rescue, single, s, S or 1, "emergency" for emergency or -b
    // (as systemd reads them); "" when none is given.
    std::string target;
    // fastinit.root_timeout=DURATION: how long stage 1 waits for the root;
    // nothing when not given (or not a duration: see root_timeout_error).
    std::optional<Duration> root_timeout;
    std::optional<Error> root_timeout_error;
    // fastinit.journal_size=SIZE ("4M", "65536"): the journal's budget;
    // nothing when not given (or not a size: see journal_size_error).
    std::optional<uint64_t> journal_size;
    std::optional<Error> journal_size_error;
    // fastinit.journal_persistent[=BOOL]: write the journal to
    // /var/log/fastinit/ (or not), over system.toml; nothing when not given.
    std::optional<bool> journal_persistent;
    // fastinit.journal_file_size=SIZE, fastinit.journal_files=N: the
    // persistent journal's bounds; nothing when not given (or bad: the
    // error says why).
    std::optional<uint64_t> journal_file_size;
    std::optional<uint64_t> journal_files;
    std::vector<Error> journal_errors;
    // fastinit.watchdog=DURATION: the hardware watchdog's timeout while the
    // system runs ("0" or "off": not used); fastinit.reboot_watchdog=
    // DURATION: the one armed before the final reboot or kexec ("0", "off":
    // disarmed then). Nothing when not given; each error says why.
    std::optional<Duration> watchdog;
    std::optional<Duration> reboot_watchdog;
    std::vector<Error> watchdog_errors;
    // fastinit.kdump: this is meant to be a crash kernel; stage 1 saves the
    // dump when /proc/vmcore exists, and only warns when it does not
    // (kdump/capture.h). fastinit.kdump_timeout=DURATION: the capture's
    // deadline (`fastinit kdump load` passes kdump.toml's `timeout`);
    // nothing when not given or not a duration.
    bool kdump = false;
    std::optional<Duration> kdump_timeout;
    // fastinit.try=DURATION: this is a trial boot (`fastinit reboot --try`)
    // that `fastinit bless` must confirm within DURATION of PID 1's start,
    // else PID 1 reboots through the firmware. Nothing when not given; a
    // bad or zero duration is trial_error (and no trial: a boot that cannot
    // be timed is not failed for it).
    std::optional<Duration> trial;
    std::optional<Error> trial_error;
};

BootOptions parse_boot_options(const KernelCmdline& cmdline);

// The boolean rule: whether `key` is on in `cmdline` (see above; with
// several values, the last one decides).
bool boot_flag(const KernelCmdline& cmdline, std::string_view key);

}  // namespace fastinit
