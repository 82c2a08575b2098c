#include "initd/unit/unit.h"

#include "initd/unit/diagnostic.h"

namespace fastinit {

const char* to_string(ServiceType type) {
    switch (type) {
        case ServiceType::simple:
            return "simple";
        case ServiceType::exec:
            return "exec";
        case ServiceType::oneshot:
            return "oneshot";
        case ServiceType::notify:
            return "notify";
        case ServiceType::forking:
            return "forking";
    }
    return "?";
}

const char* to_string(RestartPolicy policy) {
    switch (policy) {
        case RestartPolicy::no:
            return "no";
        case RestartPolicy::on_failure:
            return "on-failure";
        case RestartPolicy::always:
            return "always";
    }
    return "?";
}

const char* to_string(KillMode mode) {
    switch (mode) {
        case KillMode::control_group:
            return "control-group";
        case KillMode::mixed:
            return "mixed";
        case KillMode::process:
            return "process";
    }
    return "?";
}

std::string Diagnostic::to_string() const {
    // Not every diagnostic is about one file (a load-wide warning).
    std::string out = file;
    if (!file.empty() && line > 0)
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    if (!file.empty())
        out += ": ";
    out += severity == Severity::error ? "error: " : "warning: ";
    if (!key.empty())
        out += key + ": ";
    out += message;
    return out;
}

}  // namespace fastinit
