#include "initd/run/system_seams.h"

#include <sys/stat.h>

namespace fastinit {

bool SystemConditions::path_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace fastinit
