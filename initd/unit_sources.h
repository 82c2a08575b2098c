// Where the manager's units come from, read the same way at boot and at
// every reload: the unit directories (drop-ins, /etc over /usr/lib,
// templates, enable/disable files), fstab's generated units, the
// consoles' gettys and networking's interface waits. Rule: a reload reads exactly what a boot
// reads, with the same loader; only what it does with the result differs (reload_keep.h,
// Manager::apply_reload).
#pragma once

#include <string>
#include <vector>

#include "initd/graph/graph.h"
#include "initd/run/manager.h"
#include "initd/run/reload_report.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

struct UnitSources {
    std::vector<std::string> dirs;
    std::string fstab;  // empty: no generated units
    // Whether / was read-only at boot: fstab's units are made as they were
    // then, so a reload after remount-root does not see them all change.
    bool root_read_only = false;
    std::string console_active;  // empty: no gettys for the consoles
    // ifupdown's configuration: networking waits for its auto interfaces
    // (initd/unit/ifupdown_interfaces.h). Empty: networking as written.
    std::string network_interfaces;
    std::string target;  // the boot target (it may be an instance)
};

// Every unit of `sources`, with the instances the target, the units and
// `roots` name made from their templates; diagnostics are logged.
UnitSet read_unit_sources(const UnitSources& sources, const std::vector<std::string>& roots = {});

// The boot's graph; its problems are logged.
Graph load_unit_graph(const UnitSources& sources);

// Reads `sources` again and has the manager apply them. Instances made so
// far are made again from their templates; a unit whose file no longer
// loads keeps the definition in force (reload_keep.h).
ReloadReport reload_units(const UnitSources& sources, Manager& manager);

}  // namespace fastinit
