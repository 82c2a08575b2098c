#include "initd/run/service_directories.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "base/unique_fd.h"

namespace fastinit {
namespace {

// Deeper trees are left alone: each level holds a descriptor open.
constexpr int kMaxDepth = 64;
// Removal runs on PID 1's event loop, in a tree the service's user may fill
// (and, with kill_mode "process", still be filling): a bounded number of
// entries per removal, the rest left with an error.
constexpr size_t kMaxEntriesRemoved = 100000;

UniqueFd open_directory_at(int dir, const char* name) {
    return UniqueFd(::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

Result<void> make_one(const std::string& base, const std::string& name, mode_t mode, uid_t uid,
                      gid_t gid) {
    const std::string path = base + "/" + name;
    UniqueFd dir(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return system_error("cannot open " + base);
    std::string_view rest = name;
    while (!rest.empty()) {
        size_t slash = rest.find('/');
        std::string part(rest.substr(0, slash));
        rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
        if (::mkdirat(dir.get(), part.c_str(), 0755) < 0 && errno != EEXIST)
            return system_error("cannot create " + path);
        UniqueFd next = open_directory_at(dir.get(), part.c_str());
        if (!next)
            return system_error("cannot open " + path + " (a symbolic link or not a directory?)");
        dir = std::move(next);
    }
    if (::fchown(dir.get(), uid, gid) < 0)
        return system_error("cannot give " + path + " to its service's user");
    if (::fchmod(dir.get(), mode) < 0)
        return system_error("cannot set the mode of " + path);
    return {};
}

// Empties the directory open as `dir` (on device `device`), depth first.
Result<void> empty_directory(int dir, dev_t device, const std::string& path, int depth,
                             size_t& budget) {
    if (depth > kMaxDepth)
        return Error{"cannot remove " + path + ": nested deeper than " + std::to_string(kMaxDepth) +
                     " levels"};
    int listing_fd = ::dup(dir);
    if (listing_fd < 0)
        return system_error("cannot list " + path);
    DIR* listing = ::fdopendir(listing_fd);
    if (!listing) {
        ::close(listing_fd);
        return system_error("cannot list " + path);
    }
    Result<void> result;
    while (struct dirent* entry = ::readdir(listing)) {
        std::string_view name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        if (budget == 0) {
            result = Error{"cannot remove " + path + ": more than " +
                           std::to_string(kMaxEntriesRemoved) + " entries"};
            break;
        }
        --budget;
        struct stat st;
        if (::fstatat(dir, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;  // gone meanwhile
        const std::string child = path + "/" + entry->d_name;
        int flags = 0;
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != device) {
                result = Error{"cannot remove " + child + ": another filesystem is mounted there"};
                continue;
            }
            UniqueFd sub = open_directory_at(dir, entry->d_name);
            if (!sub)
                continue;
            if (auto emptied = empty_directory(sub.get(), device, child, depth + 1, budget);
                !emptied) {
                result = emptied;
                continue;
            }
            flags = AT_REMOVEDIR;
        }
        if (::unlinkat(dir, entry->d_name, flags) < 0 && errno != ENOENT)
            result = system_error("cannot remove " + child);
    }
    ::closedir(listing);
    return result;
}

}  // namespace

Result<void> make_service_directories(const ServiceDirectories& dirs, const DirectoryBases& bases,
                                      uid_t uid, gid_t gid) {
    for (const auto& name : dirs.runtime)
        FI_TRY(make_one(bases.runtime, name, dirs.runtime_mode, uid, gid));
    for (const auto& name : dirs.state)
        FI_TRY(make_one(bases.state, name, dirs.state_mode, uid, gid));
    for (const auto& name : dirs.logs)
        FI_TRY(make_one(bases.logs, name, dirs.logs_mode, uid, gid));
    return {};
}

Result<void> remove_service_directories(const std::vector<std::string>& names,
                                        const std::string& base) {
    Result<void> result;
    for (const auto& name : names) {
        const std::string path = base + "/" + name;
        // The parent through O_NOFOLLOW components too, then the last one.
        UniqueFd parent(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!parent) {
            result = system_error("cannot open " + base);
            continue;
        }
        std::string_view rest = name;
        std::string last;
        bool missing = false;
        while (true) {
            size_t slash = rest.find('/');
            last = std::string(rest.substr(0, slash));
            if (slash == std::string_view::npos)
                break;
            rest.remove_prefix(slash + 1);
            UniqueFd next = open_directory_at(parent.get(), last.c_str());
            if (!next) {
                missing = true;
                break;
            }
            parent = std::move(next);
        }
        if (missing)
            continue;
        UniqueFd dir = open_directory_at(parent.get(), last.c_str());
        if (!dir) {
            if (errno == ENOENT)
                continue;
            if (errno == ENOTDIR || errno == ELOOP) {
                // Something else took its name: remove that, not its target.
                if (::unlinkat(parent.get(), last.c_str(), 0) < 0 && errno != ENOENT)
                    result = system_error("cannot remove " + path);
                continue;
            }
            result = system_error("cannot open " + path);
            continue;
        }
        struct stat st;
        if (::fstat(dir.get(), &st) < 0) {
            result = system_error("cannot stat " + path);
            continue;
        }
        size_t budget = kMaxEntriesRemoved;
        if (auto emptied = empty_directory(dir.get(), st.st_dev, path, 0, budget); !emptied) {
            result = emptied;
            continue;
        }
        if (::unlinkat(parent.get(), last.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
            result = system_error("cannot remove " + path);
    }
    return result;
}

}  // namespace fastinit
