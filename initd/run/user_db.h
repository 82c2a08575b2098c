// User and group lookup from /etc/passwd and /etc/group, without NSS: PID 1
// must not load NSS modules or talk to daemons to start a service.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct Credentials {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;  // supplementary groups
    // From the user's passwd entry, when it has one (a number without an
    // entry has none): for HOME, USER, LOGNAME and SHELL.
    bool has_passwd_entry = false;
    std::string name;
    std::string home;
    std::string shell;
};

// `user` and `group` are names or numbers; an empty user means root, an
// empty group means the user's primary group. `etc` is the directory holding
// passwd and group (a parameter so tests can point it at a fixture).
Result<Credentials> resolve_credentials(const std::string& user, const std::string& group,
                                        const std::string& etc = "/etc");

}  // namespace fastinit
