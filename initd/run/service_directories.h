// Rule: a service's runtime, state and logs directories are made by root on
// paths that a unit names but never outside their base (/run, /var/lib,
// /var/log): the names were checked when the unit was read (no "..", not
// absolute), and here every component is opened with O_NOFOLLOW, so a
// symbolic link planted on the way (by the service itself, last time it ran)
// is refused rather than followed to make or chown something elsewhere.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "initd/unit/process_attributes.h"

namespace fastinit {

struct DirectoryBases {
    std::string runtime = "/run";
    std::string state = "/var/lib";
    std::string logs = "/var/log";
};

// Makes every directory of `dirs` (missing parents as root's, 0755), and
// gives the last component of each to uid:gid with its mode, also when it
// existed already. The first failure is returned, naming the path.
Result<void> make_service_directories(const ServiceDirectories& dirs, const DirectoryBases& bases,
                                      uid_t uid, gid_t gid);

// Removes each BASE/NAME with everything in it, without following symbolic
// links or crossing into other filesystems; parents stay. A missing one is
// fine. Returns the first failure, having tried them all.
Result<void> remove_service_directories(const std::vector<std::string>& names,
                                        const std::string& base);

}  // namespace fastinit
