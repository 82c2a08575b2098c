// How the client prints the journal's lines (`fastinit logs`, `status UNIT`):
//
//   2026-12-06 12:00:01.123 webapp[812]: listening on :80
//   2026-12-06 12:00:02.500 webapp[812] err: cannot open /data
//   -- 41 lines dropped --
//
// Local time to the millisecond, the unit and the pid it was started with,
// the priority's syslog name unless it is info, then the text as stored.
#pragma once

#include <string>

#include "cli/client.h"

namespace fastinit {

std::string format_log_line(const LogLine& line);

// "err" for 3, ... ; "" for 6 (info), the usual case.
const char* priority_name(int priority);

}  // namespace fastinit
