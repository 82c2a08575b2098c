#include "base/own_path.h"

#include <limits.h>
#include <unistd.h>

namespace fastinit {

std::string sibling_program(std::string_view name) {
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return {};
    std::string path(self, static_cast<size_t>(n));
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return {};
    path.resize(slash + 1);
    path += name;
    return ::access(path.c_str(), X_OK) == 0 ? path : std::string{};
}

}  // namespace fastinit
