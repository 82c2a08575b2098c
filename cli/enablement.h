// Rule: `fastinit enable|disable` change only files an admin owns, under
// ROOT/etc/fastinit/units, and only two of them per unit, both drop-ins
// (docs/units.md, "Drop-ins"), so every change is visible, reversible and
// explained by the same merge rules as any drop-in:
//   NAME.toml.d/zz-disabled.toml  `wanted_by = []`: nothing pulls NAME in
//                                 through its wanted_by any more;
//   NAME.toml.d/zz-enabled.toml   `wanted_by = [TARGET...]`: for a unit
//                                 that names no target of its own, an
//                                 instance of a template, or --wanted-by.
// `disable` removes zz-enabled.toml and writes zz-disabled.toml; `enable`
// removes zz-disabled.toml and writes zz-enabled.toml only when the unit
// would not otherwise be wanted by anything. Both are idempotent.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

inline constexpr const char* kEnabledDropIn = "zz-enabled.toml";
inline constexpr const char* kDisabledDropIn = "zz-disabled.toml";
// Where a unit names no target and --wanted-by is not given.
inline constexpr const char* kDefaultWantedBy = "multi-user";

struct EnableRequest {
    std::string root = "/";  // the system to change (an image, offline)
    std::string unit;
    std::vector<std::string> wanted_by;  // --wanted-by; empty: the unit's own
};

// What was done, one sentence a line ("Created /etc/...", "Removed ..."),
// or why nothing could be (an unknown or broken unit, a bad name, a file
// that cannot be written).
Result<std::vector<std::string>> enable_unit(const EnableRequest& request);
Result<std::vector<std::string>> disable_unit(const EnableRequest& request);

}  // namespace fastinit
