// What stage 1 needs of the machine for LUKS (boot/luks.h) besides
// cryptsetup: the LUKS devices present, and a passphrase typed on the
// console. Used by real_stage1_system only; the unit tests fake both.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "boot/luks.h"

namespace fastinit {

// Every block device whose superblock blkid finds to be LUKS (only that
// type is probed for), with its UUID; opened mappings are left out.
std::vector<LuksDevice> find_luks_devices();

// `prompt` on /dev/console, then a line read with echo off (the terminal's
// settings restored after); nullopt when the console cannot be opened or
// reaches its end. At most Secret::kMaxSize bytes are kept.
std::optional<Secret> read_passphrase(const std::string& prompt);

}  // namespace fastinit
