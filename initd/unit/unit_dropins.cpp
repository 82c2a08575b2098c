#include "initd/unit/unit_dropins.h"

#include <dirent.h>
#include <sys/stat.h>

#include <memory>
#include <string_view>

namespace fastinit {
namespace {

constexpr std::string_view kDirSuffix = ".toml.d";
constexpr std::string_view kFileSuffix = ".toml";

using Dir = std::unique_ptr<DIR, int (*)(DIR*)>;

std::string join(const std::string& dir, std::string_view name) {
    return (dir.ends_with('/') ? dir : dir + "/") + std::string(name);
}

bool is(const std::string& path, mode_t type) {
    struct stat st;  // follows symlinks, as a unit's may be one
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type;
}

}  // namespace

std::map<std::string, std::vector<std::string>> find_dropins(
    const std::vector<std::string>& search_path) {
    // Unit → file name → path; std::map keeps the file names in order.
    std::map<std::string, std::map<std::string, std::string>> found;
    for (const auto& dir : search_path) {
        Dir entries(::opendir(dir.c_str()), ::closedir);
        if (!entries)
            continue;
        while (const dirent* entry = ::readdir(entries.get())) {
            std::string_view name = entry->d_name;
            if (name.size() <= kDirSuffix.size() || !name.ends_with(kDirSuffix))
                continue;
            std::string unit(name.substr(0, name.size() - kDirSuffix.size()));
            std::string dropin_dir = join(dir, name);
            if (!is(dropin_dir, S_IFDIR))
                continue;
            Dir files(::opendir(dropin_dir.c_str()), ::closedir);
            if (!files)
                continue;
            auto& of_unit = found[unit];
            while (const dirent* file = ::readdir(files.get())) {
                std::string_view file_name = file->d_name;
                if (file_name.size() <= kFileSuffix.size() || !file_name.ends_with(kFileSuffix))
                    continue;
                std::string path = join(dropin_dir, file_name);
                if (is(path, S_IFREG))
                    of_unit.try_emplace(std::string(file_name), path);  // earlier dir wins
            }
        }
    }
    std::map<std::string, std::vector<std::string>> out;
    for (auto& [unit, files] : found)
        for (auto& [file_name, path] : files)
            out[unit].push_back(std::move(path));
    return out;
}

}  // namespace fastinit
