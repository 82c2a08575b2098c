#include "device-cache/module_tree.h"

#include <sys/utsname.h>

namespace fastinit {

std::string running_kernel_release() {
    struct utsname name {};
    if (::uname(&name) != 0)
        return "";
    return name.release;
}

ModuleTree running_module_tree() {
    std::string release = running_kernel_release();
    return {"/lib/modules/" + release, release, true};
}

ModuleTree module_tree_at(const std::string& dir) {
    std::string trimmed = dir;
    while (trimmed.size() > 1 && trimmed.back() == '/')
        trimmed.pop_back();
    std::string release = trimmed.substr(trimmed.rfind('/') + 1);
    return {trimmed, release, release == running_kernel_release()};
}

}  // namespace fastinit
