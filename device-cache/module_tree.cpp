#include "device-cache/module_tree.h"

#include <sys/utsname.h>

#include <filesystem>

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

Result<ModuleTree> copy_module_tree_part(const ModuleTree& from, const std::string& to,
                                         const std::vector<std::string>& module_paths) {
    namespace fs = std::filesystem;
    std::error_code ec;
    auto failed = [&](const std::string& what) {
        return Error{"cannot copy " + what + " to " + to + ": " + ec.message(), ec.value()};
    };
    fs::create_directories(to, ec);
    if (ec)
        return failed("the module tree");
    for (const fs::directory_entry& entry : fs::directory_iterator(from.dir, ec)) {
        if (!entry.is_regular_file(ec))
            continue;
        fs::copy_file(entry.path(), fs::path(to) / entry.path().filename(),
                      fs::copy_options::overwrite_existing, ec);
        if (ec)
            return failed(entry.path().string());
    }
    if (ec)
        return failed(from.dir);
    for (const std::string& path : module_paths) {
        fs::path target = fs::path(to) / path;
        fs::create_directories(target.parent_path(), ec);
        if (!ec)
            fs::copy_file(fs::path(from.dir) / path, target, fs::copy_options::overwrite_existing,
                          ec);
        if (ec)
            return failed(path);
    }
    return module_tree_at(to);
}

}  // namespace fastinit
