// CaptureOps on this machine (kdump/capture.h), for stage 1 on a crash
// kernel: real clocks, posix_spawn, sparse copies, sync(2).
#pragma once

#include "kdump/capture.h"

namespace fastinit {

CaptureOps& real_capture_ops();

}  // namespace fastinit
