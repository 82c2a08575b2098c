#include "device-cache/driver_module.h"

#include <unistd.h>

#include <algorithm>

namespace fastinit {

bool driver_is_loadable_module(const std::string& sysfs_root, const std::string& syspath) {
    if (::access((syspath + "/driver/module/initstate").c_str(), F_OK) == 0)
        return true;
    char target[512];
    ssize_t n = ::readlink((syspath + "/driver").c_str(), target, sizeof target - 1);
    if (n <= 0)
        return false;
    std::string driver(target, static_cast<size_t>(n));
    driver.erase(0, driver.rfind('/') + 1);
    // Module names use '_' where driver names may use '-'.
    std::replace(driver.begin(), driver.end(), '-', '_');
    if (driver.empty() || driver == "." || driver == "..")
        return false;
    return ::access((sysfs_root + "/module/" + driver + "/initstate").c_str(), F_OK) == 0;
}

}  // namespace fastinit
