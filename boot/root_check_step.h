// Stage 1's check of the root, over the Stage1System seam: boot/root_fsck.h
// decides, this runs the image's checker on the root device, records the
// result in the report, leaves paths::kRootFsckDone for the manager when
// the root is fine, and says what the sequence does next.
#pragma once

#include <string>

#include "base/initrd_report.h"
#include "base/kernel_cmdline.h"
#include "boot/stage1_system.h"

namespace fastinit {

struct RootCheckEnd {
    // mount: checked (clean or corrected) or skipped; reboot: fsck asks
    // for one; emergency: errors left, or the check did not run to its end.
    enum class Next { mount, reboot, emergency };
    Next next = Next::mount;
    std::string why;  // for the emergency shell
};

RootCheckEnd check_root_filesystem(Stage1System& system, const KernelCmdline& cmdline,
                                   const std::string& device, const std::string& fstype,
                                   InitrdReport::Root::Fsck& record);

}  // namespace fastinit
