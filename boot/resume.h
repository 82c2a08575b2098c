// Resuming from hibernation (resume=, resume_offset=, noresume), decided
// here and done through the Stage1System seam. Rule: stage 1 hands the
// resume device to the kernel before it touches any disk for writing (no
// fsck, no root mount), and after the storage layers are assembled (a swap
// on LVM or LUKS exists only then). The kernel reads the image and, when
// there is one, resumes the hibernated system and never returns; when there
// is none, the write returns and the boot goes on. A resume device that does
// not appear is a warning, never an emergency: a fresh boot is still a boot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/result.h"

namespace fastinit {

// How long stage 1 waits for a resume device to appear: a swap on a disk
// that is slow to come (or a stale resume= naming a disk that is gone) must
// not hold a fresh boot much longer.
inline constexpr Duration kResumeWait = std::chrono::seconds(5);

struct ResumeRequest {
    // As the kernel spells it: "/dev/sda2", "UUID=…", "LABEL=…",
    // "PARTUUID=…", "PARTLABEL=…", or a device number "MAJ:MIN".
    std::string device;
    std::optional<uint64_t> offset;  // resume_offset=: a swap file's first page
};

// What the command line asks: nothing (no resume=, an empty one, or
// noresume), a request, or an error saying why resume= or resume_offset=
// is not understood (then no resume: a warning, the boot goes on).
struct ResumeDecision {
    std::optional<ResumeRequest> request;
    std::string skipped;  // why there is no request, when there was a resume=
    std::optional<Error> error;
};
//
// `image_default` is the image's default resume device (paths::
// kImageResumeDefault, which `mkinitramfs --host-only` takes from
// initramfs-tools' RESUME=), used when the command line names none;
// noresume still wins, and resume_offset= still applies.
ResumeDecision resume_decision(const KernelCmdline& cmdline, const std::string& image_default = "");

// Whether `text` is a device number "MAJ:MIN" (decimal), which the kernel
// takes as it is: no device node to wait for.
bool is_device_number(const std::string& text);

// The writes to /sys/power, in order: the offset (when given), then the
// device number, which starts the kernel's look for an image. Each pair is
// (file name under /sys/power, text).
std::vector<std::pair<std::string, std::string>> resume_writes(const ResumeRequest& request,
                                                               const std::string& device_number);

}  // namespace fastinit
