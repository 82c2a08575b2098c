// Rule: `networking` (ifup -a) waits for the interfaces it raises, not for
// every device. When /etc/network/interfaces, with the files its `source`
// and `source-directory` lines name, lists its `auto` interfaces so that
// every one is known for sure, networking gets `after_devices = ["net:NAME"]`
// for each (lo aside) and no longer wants udev-settle, whose global wait for
// every device's udev events was the longest step before sshd answered.
// Anything not known for sure (an unreadable or oversized file, more files
// or interfaces than the bounds, a name no interface can have, a glob that
// cannot be expanded or has a wildcard in a directory) keeps the settle:
// waiting for everything is slow but never wrong. The files are hostile
// text: bounded in size, count and depth.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {

inline constexpr const char* kNetworkInterfacesPath = "/etc/network/interfaces";
inline constexpr size_t kInterfacesMaxFileSize = 64 * 1024;
inline constexpr size_t kInterfacesMaxFiles = 32;
inline constexpr size_t kInterfacesMaxDepth = 4;
inline constexpr size_t kInterfacesMaxAuto = 64;

// How the reader reaches files, so tests need no /etc.
struct InterfacesFiles {
    // The file's text, at most kInterfacesMaxFileSize bytes (else an error).
    std::function<Result<std::string>(const std::string& path)> read;
    // The paths a `source` glob matches, sorted; an error when it cannot be
    // expanded (no match is an empty list, not an error).
    std::function<Result<std::vector<std::string>>(const std::string& pattern)> glob;
    // The regular files of a `source-directory` whose names ifupdown takes
    // (letters, digits, _ and -), sorted; a missing directory is empty.
    std::function<Result<std::vector<std::string>>(const std::string& dir)> directory;
};

struct AutoInterfaces {
    std::vector<std::string> names;  // in reading order, each once, lo left out
    bool complete = false;           // every file read, every name valid
    std::string why_not;             // when not complete: one sentence
};

// Reads `path` and what it sources. A missing top file is complete with no
// names (no ifupdown configuration: nothing to wait for).
AutoInterfaces read_auto_interfaces(const std::string& path, const InterfacesFiles& files);

// The real file system's.
InterfacesFiles real_interfaces_files();

// Networking's device waits, when `interfaces` is complete and names any:
// adds net:NAME to the `networking` unit's after_devices and takes it out of
// udev-settle's wanted_by. Returns what it added (empty: nothing changed).
std::vector<std::string> wait_for_interfaces(UnitSet& set, const AutoInterfaces& interfaces);

}  // namespace fastinit
