// Finds and parses the unit files of a search path. Directories earlier in the
// path win: a unit in /etc/fastinit/units hides one of the same name in
// /usr/lib/fastinit/units. Files are parsed in parallel (TBB); a broken file
// is recorded with its diagnostics and left out, so the rest of the boot goes
// on.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "initd/unit/diagnostic.h"
#include "initd/unit/parse_preflight.h"
#include "initd/unit/unit.h"

namespace fastinit {

inline const std::vector<std::string> kDefaultUnitPath = {"/etc/fastinit/units",
                                                          "/usr/lib/fastinit/units"};

struct UnitSet {
    std::map<std::string, Unit> units;
    // Units whose file exists but could not be used: name → first error.
    std::map<std::string, std::string> broken;
    // Every diagnostic of every file, in file order.
    std::vector<Diagnostic> diagnostics;
};

// Reads every file (at most kMaxUnitFileSize bytes each), has a forked
// child parse them all first (parse_preflight.h), then parses the survivors.
UnitSet load_units(const std::vector<std::string>& search_path);
// The same with the pre-flight's process behind a seam, for tests.
UnitSet load_units(const std::vector<std::string>& search_path, ParserProbe& probe);

}  // namespace fastinit
