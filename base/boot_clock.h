// The boot's one time axis: CLOCK_BOOTTIME, microseconds since the kernel
// started, as in the kernel's own log. Stage 1, the manager and the boot
// timeline all stamp their events with it.
#pragma once

namespace fastinit {

long long boottime_us();

}  // namespace fastinit
