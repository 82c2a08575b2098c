// A problem found in a unit file, located precisely enough to fix it without
// guessing: file, line, column and the key involved.
#pragma once

#include <string>

namespace fastinit {

struct Diagnostic {
    enum class Severity { error, warning };
    Severity severity = Severity::error;
    std::string file;
    int line = 0;     // 1-based; 0 when not tied to a place in the file
    int column = 0;   // 1-based
    std::string key;  // e.g. "service.restart_delay"; may be empty
    std::string message;

    // "file:line:col: error: key: message"
    std::string to_string() const;
};

}  // namespace fastinit
