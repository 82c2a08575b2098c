// Finds and parses the unit files of a search path. Directories earlier in the
// path win: a unit in /etc/fastinit/units hides one of the same name in
// /usr/lib/fastinit/units. Drop-ins (unit_dropins.h) are merged over their
// unit. Files are parsed in parallel (TBB); a broken file or drop-in is
// recorded with its diagnostics and its unit left out, so the rest of the
// boot goes on.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "initd/unit/diagnostic.h"
#include "initd/unit/parse_preflight.h"
#include "initd/unit/unit.h"
#include "initd/unit/unit_dropins.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {

inline const std::vector<std::string> kDefaultUnitPath = {"/etc/fastinit/units",
                                                          "/usr/lib/fastinit/units"};

// A template file (NAME@.toml) as read: it is parsed again for each
// instance (unit_template.h).
struct UnitTemplate {
    std::string path;
    std::string text;
};

struct UnitSet {
    std::map<std::string, Unit> units;
    // Templates that parsed cleanly (with a sample instance), by file stem
    // ("getty@"). A broken template is in `broken` under that stem.
    std::map<std::string, UnitTemplate> templates;
    // Units whose file exists but could not be used: name → first error.
    std::map<std::string, std::string> broken;
    // Every unit's drop-ins, read, by unit name, in the order they apply;
    // a template's and an instance's are applied when the instance is made.
    std::map<std::string, std::vector<UnitSource>> dropins;
    // Every diagnostic of every file, in file order.
    std::vector<Diagnostic> diagnostics;
};

// Reads every file (at most kMaxUnitFileSize bytes each), has a forked
// child parse them all first (parse_preflight.h), then parses the survivors
// and instantiates every template instance a unit refers to or that has a
// drop-in directory of its own.
UnitSet load_units(const std::vector<std::string>& search_path);
// The same with the pre-flight's process behind a seam, for tests.
UnitSet load_units(const std::vector<std::string>& search_path, ParserProbe& probe);

// At most this many instances per load: a template that wants an instance
// of itself with a longer name would otherwise multiply until the name
// limit.
inline constexpr size_t kMaxInstances = 1024;

// Makes a unit of every NAME@INSTANCE that `roots` (e.g. the boot target)
// or a unit's lists name and no file defines, from the template NAME@, and
// so on for what those instances name. A bad instance name or a template
// error leaves that instance broken, with a diagnostic; the rest goes on.
void instantiate_templates(UnitSet& set, const std::vector<std::string>& roots = {});

// The drop-ins an instance gets: its template's, then its own (the more
// specific applies last, so it wins). Views into `dropins`.
std::vector<DropIn> instance_dropins(const std::map<std::string, std::vector<UnitSource>>& dropins,
                                     const std::string& template_name,
                                     const std::string& instance_name);

}  // namespace fastinit
