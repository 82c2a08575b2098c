// What a reload reads beside the unit files. Rule: a reload never trades a
// working definition for a broken file. A unit whose file (or drop-in, or
// template) no longer loads keeps the definition it had, and the reload says
// so; every other unit is exactly what a boot would load.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "initd/unit/unit_loader.h"

namespace fastinit {

// The definition in force for a unit name before the reload; null when it
// had none (missing, broken, never heard of).
using DefinitionInForce = std::function<const Unit*(const std::string& name)>;

// Puts back the definition in force of each unit that `fresh` has as broken
// (or, an instance, whose template is broken or gone while it was loaded)
// and returns those units' names with the first error that broke them.
std::vector<std::pair<std::string, std::string>> keep_working_definitions(
    UnitSet& fresh, const std::vector<std::string>& known_names, const DefinitionInForce& in_force);

}  // namespace fastinit
