#include "device-cache/module_tree.h"

#include <sys/utsname.h>

#include <filesystem>

#include "device-cache/module_path.h"

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
        // The paths come from the device cache: one that leaves the tree
        // (through "..", "/" or a symlink) is refused, never copied.
        auto source = resolve_module_path(from.dir, path);
        if (!source)
            return Error{"cannot copy a module to " + to + ": " + source.error().message,
                         source.error().errno_value};
        fs::path target = fs::path(to) / path;
        fs::create_directories(target.parent_path(), ec);
        if (!ec)
            fs::copy_file(*source, target, fs::copy_options::overwrite_existing, ec);
        if (ec)
            return failed(path);
    }
    return module_tree_at(to);
}

}  // namespace fastinit
