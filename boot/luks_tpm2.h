// LUKS devices a TPM2 chip unlocks (crypttab's tpm2-device=, as systemd
// spells it): stage 1 hands them to the image's systemd-cryptsetup, the
// program that reads the TPM2 token systemd-cryptenroll wrote into the
// LUKS2 header, and asks it for no password at all (headless=true): when
// the TPM does not unlock the device, systemd-cryptsetup fails at once and
// stage 1 falls back to its own keyfile and passphrase prompt
// (boot/luks.h's unlock_luks). Nothing here may hang the boot: the TPM is
// waited for at most kTpm2TokenWait, the program killed at kTpm2Timeout.
#pragma once

#include <string>
#include <vector>

#include "base/duration.h"
#include "base/result.h"
#include "boot/luks.h"

namespace fastinit {

// Where mkinitramfs puts systemd-cryptsetup (Debian's place, merged /usr
// or not).
inline constexpr const char* kSystemdCryptsetupPaths[] = {"/usr/lib/systemd/systemd-cryptsetup",
                                                          "/lib/systemd/systemd-cryptsetup"};

// How long systemd-cryptsetup waits for a TPM2 device that is not there
// yet (its token-timeout=, when the crypttab gives none; systemd's own
// default is 30 s).
inline constexpr const char* kTpm2TokenWait = "token-timeout=10s";

// How long one systemd-cryptsetup run may take: the wait above and the
// TPM's own work (slow on an emulated one), well within the root's wait.
inline constexpr Duration kTpm2Timeout = std::chrono::seconds(45);

// Whether a crypttab entry's options ask for a TPM2 unlock.
bool wants_tpm2(const std::vector<std::string>& options);

// `tool attach NAME NODE - OPTIONS`: the entry's options as given, its
// headless= replaced by headless=true, kTpm2TokenWait added when it has
// no token-timeout=. unlock.device is the node.
std::vector<std::string> tpm2_attach_argv(const std::string& tool, const LuksUnlock& unlock);

// Why a failed run failed, from its output: its last line that names the
// TPM2 (the last line is headless's refusal to ask, which says little),
// else its last line.
std::string tpm2_failure_reason(const std::string& output);

// Runs it: an error with errno ENOENT when the image has no
// systemd-cryptsetup, any other when the TPM did not open the device.
Result<void> attach_with_tpm2(const LuksUnlock& unlock);

}  // namespace fastinit
