// What the machine does when the system goes down: the one vocabulary of
// the client (`fastinit reboot`, `poweroff`, ...), the manager's Reboot(mode)
// bus method and PID 1's final stage. Each action has two words and only
// two: the word on the wire (bus argument), which `parse_power_action`
// reads back, and the verb the logs and the command line use. They differ
// only for a firmware reboot, which the bus calls "cold" (against kexec's
// warm one) and people call "reboot".
#pragma once

#include <optional>
#include <string_view>

namespace fastinit {

enum class PowerAction { poweroff, reboot, halt, kexec };

inline constexpr PowerAction kPowerActions[] = {PowerAction::poweroff, PowerAction::reboot,
                                                PowerAction::halt, PowerAction::kexec};

// The manager's Reboot(mode) argument: "poweroff", "cold", "halt", "kexec".
std::string_view to_string(PowerAction action);
std::optional<PowerAction> parse_power_action(std::string_view text);

// "poweroff", "reboot", "halt", "kexec": as log lines name the action.
const char* verb(PowerAction action);

}  // namespace fastinit
