// What the machine does once the manager has stopped everything: shared by
// the supervisor, which decides it, and PID 1's final stage, which does it
// (and which stage 1 links without the supervisor).
#pragma once

namespace fastinit {

enum class FinalAction { poweroff, reboot, halt, kexec };

constexpr const char* to_string(FinalAction action) {
    switch (action) {
        case FinalAction::poweroff:
            return "poweroff";
        case FinalAction::reboot:
            return "reboot";
        case FinalAction::halt:
            return "halt";
        case FinalAction::kexec:
            return "kexec";
    }
    return "?";
}

}  // namespace fastinit
