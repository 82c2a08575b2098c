// Stage 1: fastinit as /init of an initramfs. It prepares just enough of the
// system to reach the real root — pseudo-filesystems, the devices (from the
// known-devices cache, or a probe), the root device named by root= — mounts
// it, switch_roots into it and executes the next init: fastinit.handoff= if
// given, else the real root's fastinit, else /sbin/init.
//
// It runs no units: everything here is on the path to the root, and each
// step is already parallel inside (module loading on TBB).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "base/kernel_cmdline.h"
#include "base/result.h"
#include "initd/stage1/root_mount.h"

namespace fastinit {

// What the device phase did, for the console and the boot timeline.
struct DevicePhaseReport {
    std::string mode;    // "cache-hit", "probe", "none"
    std::string reason;  // why a probe (cache missing, stale, damaged, reprobe)
    int modules_loaded = 0;
    int modules_failed = 0;
    // Reading the cache, enumerating devices, fingerprinting and deciding:
    // what a boot pays before it knows whether the cache can be used.
    long long check_us = 0;
    long long read_us = 0, enumerate_us = 0, fingerprint_us = 0;  // its parts
    // A cache hit that knows this root's modules loads them first (named
    // here) and the others behind the boot's back, until finish_devices.
    std::vector<std::string> root_first;
    int loading_behind = 0;
    // Where the cache says this root= was last time.
    RootHint root_hint;
};

// What the device phase finished with, once stage 1 has its root.
struct DeviceFinishReport {
    int modules_loaded = 0;
    int modules_failed = 0;
    // From the start of the device phase until the last module was in.
    long long loaded_after_us = 0;
    // Modules left for the real root's fastinit to load (then the counts
    // and times above are of what was done here).
    int left_for_the_real_root = 0;
    // For the log: the cache was refreshed or its root record renewed, and
    // why; problems that did not stop the boot. Empty when there was none.
    std::vector<std::string> notes;
};

// What stage 1 needs from the device cache, which initd does not depend on.
struct Stage1Hooks {
    // Returns once the root can be looked for. `root_source` is root=.
    std::function<DevicePhaseReport(const KernelCmdline&, bool reprobe,
                                    const std::string& root_source)>
        device_phase;
    // Does what device_phase left (or, with `hand_over`, leaves it to the
    // fastinit on the real root), then notes which modules the root device
    // (a /dev node) and its filesystem needed, for the next boot.
    std::function<DeviceFinishReport(const std::string& root_device, const std::string& fstype,
                                     bool hand_over)>
        finish_devices;
    // Loads the modules for an alias such as "fs-ext4".
    std::function<Result<void>(const std::string& alias)> load_alias;
};

// Never returns: it executes the next init, or ends in an emergency shell or
// a halt.
[[noreturn]] void run_stage1(int argc, char** argv, const Stage1Hooks& hooks);

}  // namespace fastinit
