// What the manager of a real boot does about devices. The device cache and
// its libraries (SQLite, libkmod) stay out of PID 1: stage 1 leaves its cache
// in /run, the manager keeps that file on the root, and the device work of
// stage 2 runs in a process of its own (`fastinit devices stage2`).
#pragma once

#include <string>

namespace fastinit {

// Copies the cache stage 1 left in /run to /var/lib/fastinit/devices.db
// when it differs, so a later boot or kexec finds it. Logs what it did.
void keep_handed_over_device_cache();

// Starts `FASTINIT devices stage2` without waiting for it: PID 1 reaps it
// like any orphan. Logs and carries on when it cannot.
void start_stage2_devices(const std::string& fastinit);

}  // namespace fastinit
