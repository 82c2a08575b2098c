// Rule: the consoles the kernel lists in /sys/class/tty/console/active get
// a login prompt without configuration, as systemd's getty generator gives
// them: multi-user wants getty@CONSOLE for each, when the getty@ template
// and the multi-user target exist. The file is read as hostile text: each
// word must be a valid instance name, and only the first kMaxConsoles count.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "initd/unit/unit_loader.h"

namespace fastinit {

inline constexpr size_t kMaxConsoles = 16;
inline constexpr const char* kConsoleActivePath = "/sys/class/tty/console/active";

// "tty0 ttyS0\n" → {"tty1", "ttyS0"}: "tty0" (the foreground virtual
// terminal) becomes tty1, the one a boot shows. A word that is no valid
// instance name is left out with a warning naming `path`.
std::vector<std::string> console_terminals(std::string_view active, const std::string& path,
                                           std::vector<Diagnostic>& warnings);

// Adds getty@TTY to multi-user's wants for each terminal (nothing when
// either getty@ or multi-user is not there); instantiate_templates() then
// makes the instances. Returns the names added.
std::vector<std::string> want_console_gettys(UnitSet& set, const std::vector<std::string>& ttys);

}  // namespace fastinit
