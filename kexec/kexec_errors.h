// What a failed kexec_file_load(2) means, in a sentence for the person who
// asked for the reboot.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fastinit {

// Facts that tell the three causes of EPERM apart.
struct KexecFacts {
    bool has_cap_sys_boot = true;
    bool load_disabled = false;  // kernel.kexec_load_disabled = 1
    std::string lockdown;        // "none", "integrity", "confidentiality"; "" unknown
};

// Reads /proc/self/status (CapEff), /proc/sys/kernel/kexec_load_disabled and
// /sys/kernel/security/lockdown under the given roots. What cannot be read
// keeps its default.
KexecFacts read_kexec_facts(const std::filesystem::path& proc = "/proc",
                            const std::filesystem::path& sys = "/sys");

// The selected word of /sys/kernel/security/lockdown ("none [integrity]
// confidentiality" → "integrity"); "" when none is selected.
std::string parse_lockdown(std::string_view text);

// Whether the CapEff line of a /proc/PID/status text holds CAP_SYS_BOOT.
bool status_has_cap_sys_boot(std::string_view status);

// One sentence per errno that kexec_file_load (or opening its files)
// returns; EPERM names all its possible causes.
std::string decode_kexec_errno(int errno_value);

// The same, with EPERM narrowed down by the facts.
std::string decode_kexec_errno(int errno_value, const KexecFacts& facts);

}  // namespace fastinit
