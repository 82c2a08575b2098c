// `fastinit analyze` reports: the boot timeline (initd/run/timeline.h), the
// initramfs's report inside it and stage 2's report beside it, as text for
// people. Only the client formats; PID 1 records and writes the timeline.
// Every reader here takes files someone else wrote: a field of the wrong
// type is left out, never thrown.
#pragma once

#include <string>

#include "initd/run/timeline.h"

namespace fastinit {

// Units by how long they took from start to ready (or to their end),
// slowest first.
std::string format_blame(const Timeline& timeline);
// The chain of units each of which was the last one holding up the next,
// from `target` back; "" when the target is not in the timeline.
std::string format_critical_chain(const Timeline& timeline, const std::string& target);
// "kernel 2.1s + initrd 310ms + userspace 480ms = 2.9s", with the device
// phase of the initramfs, like systemd-analyze time.
std::string format_boot_time(const Timeline& timeline);

// Stage 1's report alone (initrd.json), for a boot whose init is not
// fastinit's manager (no boot.json): "kernel 1.2s + initrd 310ms = 1.5s"
// and its device and root lines; "" when it is not such a report.
std::string format_initrd_time(const std::string& initrd_json);

// Stage 2's device report (paths::kStage2ReportName, next to boot.json) as
// lines for `fastinit analyze time`; "" when the report is not JSON.
std::string format_stage2_devices(const std::string& report_json);

}  // namespace fastinit
