#include "device-cache/module_path.h"

#include <limits.h>
#include <stdlib.h>

#include <cerrno>
#include <memory>

namespace fastinit {
namespace {

struct FreeDeleter {
    void operator()(char* p) const { ::free(p); }
};

Result<std::string> real_path(const std::string& path) {
    std::unique_ptr<char, FreeDeleter> resolved(::realpath(path.c_str(), nullptr));
    if (!resolved)
        return system_error("cannot resolve " + path);
    return std::string(resolved.get());
}

}  // namespace

std::string module_path_problem(std::string_view path) {
    if (path.empty())
        return "it is empty";
    if (path.front() == '/')
        return "it is absolute";
    for (char c : path)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "it has a control character";
    size_t begin = 0;
    while (begin <= path.size()) {
        size_t end = path.find('/', begin);
        if (end == std::string_view::npos)
            end = path.size();
        if (path.substr(begin, end - begin) == "..")
            return "it has a \"..\" component";
        begin = end + 1;
    }
    return "";
}

Result<std::string> resolve_module_path(const std::string& tree_dir, const std::string& path) {
    if (std::string problem = module_path_problem(path); !problem.empty())
        return Error{"module path \"" + path + "\" leaves the module tree " + tree_dir + " (" +
                         problem + ")",
                     EINVAL};
    auto tree = real_path(tree_dir);
    if (!tree)
        return tree.error();
    auto file = real_path(tree_dir + "/" + path);
    if (!file)
        return file.error();
    std::string inside = *tree == "/" ? "/" : *tree + "/";
    if (!file->starts_with(inside))
        return Error{"module path \"" + path + "\" leaves the module tree " + tree_dir +
                         " (a symlink leads to " + *file + ")",
                     EXDEV};
    return *file;
}

}  // namespace fastinit
