// systemd `.service` file → fastinit TOML unit, for `fastinit
// import-systemd`. The rule: nothing is dropped silently. Every key, prefix
// or value that fastinit cannot carry is named in `not_carried` with the
// reason, and the TOML written is one fastinit's own parser accepts (a value
// it rejects is left out and reported, not written).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

struct ImportedUnit {
    std::string name;                      // the fastinit unit name: "ssh", "getty@" for a template
    std::string toml;                      // empty when nothing usable came out (see not_carried)
    std::vector<std::string> not_carried;  // "Service.ExecStart (line 5): reason"
    bool parses = false;                   // fastinit's unit parser accepts `toml` as it is
};

// `file_name` is the file's base name ("ssh.service", "getty@.service"),
// `path` names it in messages, `text` is its content (hostile).
ImportedUnit import_systemd_unit(std::string_view file_name, std::string_view path,
                                 std::string_view text);

// The fastinit unit a systemd unit name refers to ("network.target" →
// "network", "auditd.service" → "auditd"), or an empty string and `why`
// for one fastinit has no counterpart of (sockets, systemd's own units).
std::string map_systemd_unit_name(std::string_view systemd_name, std::string& why);

}  // namespace fastinit
