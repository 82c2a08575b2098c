// A kernel module as the device cache plans to load it, and the outcome of
// trying.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

enum class PrerequisiteKind {
    // Listed in modules.dep: the module needs its symbols. If it fails to
    // load, so would the module, which is then skipped.
    dependency,
    // A "softdep M pre: P" line: P is loaded first when possible.
    soft_pre,
    // A "softdep X post: M" line seen from M: M is loaded after X. Soft
    // prerequisites only order loads; their failure skips nothing.
    soft_post,
};

struct Prerequisite {
    std::string module;
    PrerequisiteKind kind = PrerequisiteKind::dependency;

    bool hard() const { return kind == PrerequisiteKind::dependency; }
    bool operator==(const Prerequisite&) const = default;
};

struct ModuleSpec {
    std::string name;     // as the kernel calls it: underscores, no suffix
    std::string path;     // relative to the module directory
    std::string options;  // from modprobe.d and the kernel command line
    // True when a device's modalias chose this module (rather than being
    // needed by another module); only such modules honour the blacklist,
    // as with modprobe.
    bool matched_by_alias = false;
    std::vector<Prerequisite> after;

    bool operator==(const ModuleSpec&) const = default;
};

enum class LoadStatus {
    not_loaded,   // resolved only (--no-load, --dry-run)
    loaded,       // inserted by us
    present,      // was already loaded
    blacklisted,  // refused by a blacklist line
    failed,       // the kernel or libkmod said no; see errno and reason
    skipped,      // a hard prerequisite did not load
};

std::string_view load_status_name(LoadStatus status);
std::optional<LoadStatus> parse_load_status(std::string_view name);
// True when the module is in the kernel afterwards.
bool is_in_kernel(LoadStatus status);

std::string_view prerequisite_kind_name(PrerequisiteKind kind);
std::optional<PrerequisiteKind> parse_prerequisite_kind(std::string_view name);

}  // namespace fastinit
