// Rule: a drop-in NAME.toml.d/FILE.toml in any directory of the unit search
// path applies to the unit NAME, and drop-ins apply in FILE order across all
// directories; a FILE in an earlier directory (/etc) hides the same FILE in
// a later one (/usr/lib), as a unit file does. A template's drop-ins
// (getty@.toml.d/) apply to every instance, before the instance's own
// (getty@ttyS0.toml.d/). How a drop-in is merged: unit_parser.h.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fastinit {

// A drop-in's path and bytes, once read.
struct UnitSource {
    std::string path;
    std::string text;
};

// Unit name → its drop-ins' paths, in the order they apply. Missing
// directories are fine; only regular files (or symlinks to them) named
// *.toml count.
std::map<std::string, std::vector<std::string>> find_dropins(
    const std::vector<std::string>& search_path);

}  // namespace fastinit
