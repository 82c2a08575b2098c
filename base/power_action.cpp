#include "base/power_action.h"

namespace fastinit {

std::string_view to_string(PowerAction action) {
    switch (action) {
        case PowerAction::poweroff:
            return "poweroff";
        case PowerAction::reboot:
            return "cold";
        case PowerAction::halt:
            return "halt";
        case PowerAction::kexec:
            return "kexec";
    }
    return "?";
}

std::optional<PowerAction> parse_power_action(std::string_view text) {
    for (PowerAction action : kPowerActions)
        if (text == to_string(action))
            return action;
    return std::nullopt;
}

const char* verb(PowerAction action) {
    switch (action) {
        case PowerAction::poweroff:
            return "poweroff";
        case PowerAction::reboot:
            return "reboot";
        case PowerAction::halt:
            return "halt";
        case PowerAction::kexec:
            return "kexec";
    }
    return "?";
}

}  // namespace fastinit
