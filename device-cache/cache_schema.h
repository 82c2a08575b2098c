// The SQL schema of the device cache, shared by its reader and writer.
// Changing it means bumping kCacheSchemaVersion. The reader reads older
// versions forward (what they lack takes its empty value) from
// kOldestReadableCacheSchema on; older or newer ones are wrong_schema and
// rebuilt by a probe. The writer always writes the current version.
#pragma once

namespace fastinit {

inline constexpr const char* kCacheSchema = R"sql(
-- Since version 3, meta's root_layers holds the root record's storage
-- layers, one a line: "KIND NAME MODULE..." (root_stack.h).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One row per fingerprint part: kernel, module_index, dmi, devices.
CREATE TABLE fingerprint (
    part TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE devices (
    syspath TEXT PRIMARY KEY,
    subsystem TEXT NOT NULL,
    modalias TEXT NOT NULL,
    removable INTEGER NOT NULL,
    created_by_module INTEGER NOT NULL
);
-- Which modules each modalias matched; loadable = 0 rows are the matches
-- that need no loading ("x (built-in)"), kept for display.
CREATE TABLE aliases (
    position INTEGER PRIMARY KEY,
    modalias TEXT NOT NULL,
    module TEXT,
    loadable INTEGER NOT NULL
);
-- In load order.
CREATE TABLE modules (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    options TEXT NOT NULL,
    matched_by_alias INTEGER NOT NULL,
    status TEXT NOT NULL,
    errno INTEGER NOT NULL,
    reason TEXT NOT NULL,
    start_us INTEGER NOT NULL,
    load_us INTEGER NOT NULL,
    round INTEGER NOT NULL
);
CREATE TABLE prerequisites (
    position INTEGER PRIMARY KEY,
    module TEXT NOT NULL,
    prerequisite TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE probe_timings (
    position INTEGER PRIMARY KEY,
    round INTEGER NOT NULL,
    phase TEXT NOT NULL,
    duration_us INTEGER NOT NULL
);
-- Since version 2: the modules on the root device's driver chain,
-- outermost first; the root= they serve is meta's root_source, its
-- filesystem meta's root_fstype, the node it was found at root_device.
CREATE TABLE root_modules (
    position INTEGER PRIMARY KEY,
    module TEXT NOT NULL
);
)sql";

}  // namespace fastinit
