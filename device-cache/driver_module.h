// Whether a bound device's driver is a loadable module: the devices such a
// driver creates (its children) do not exist before it is loaded, so they
// are no part of the machine's fingerprint.
//
// Rule: a loadable module has an initstate in /sys/module/NAME; a built-in
// driver may have a module directory too, but never that file. Most buses
// link the driver to its module (DRIVER/module); the ACPI bus does not
// (the power button's "button" driver, whose input device udev's module
// load creates), so the driver's own name is looked up as a module name.
#pragma once

#include <string>

namespace fastinit {

// `sysfs_root` is "/sys" (or a test's fake tree); `syspath` a device under it
// that has a driver bound.
bool driver_is_loadable_module(const std::string& sysfs_root, const std::string& syspath);

}  // namespace fastinit
