#include "initd/stage1/switch_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace fastinit {
namespace {

// Deletes everything in the directory `dir_fd` that lives on `root_dev`:
// files are unlinked, directories emptied and removed. Mount points (the new
// root, moved filesystems) are on other devices and are left alone. The
// depth is bounded; an initramfs is shallow.
void delete_tree(int dir_fd, dev_t root_dev, int depth) {
    if (depth > 64)
        return;
    int copy = ::dup(dir_fd);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (!dir) {
        if (copy >= 0)
            ::close(copy);
        return;
    }
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir))
        names.push_back(entry->d_name);
    ::closedir(dir);
    for (const auto& name : names) {
        if (name == "." || name == "..")
            continue;
        struct stat st;
        if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != root_dev)
            continue;
        if (S_ISDIR(st.st_mode)) {
            UniqueFd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (child)
                delete_tree(child.get(), root_dev, depth + 1);
            ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR);
        } else {
            ::unlinkat(dir_fd, name.c_str(), 0);
        }
    }
}

}  // namespace

Result<void> switch_root(const std::string& new_root) {
    struct stat root_st, new_st;
    if (::stat("/", &root_st) < 0)
        return system_error("cannot stat /");
    if (::stat(new_root.c_str(), &new_st) < 0)
        return system_error("cannot stat " + new_root);
    if (root_st.st_dev == new_st.st_dev)
        return Error{new_root + " is not a mounted filesystem"};

    for (const char* fs : {"/dev", "/proc", "/sys", "/run"}) {
        std::string target = new_root + fs;
        struct stat st;
        if (::stat(target.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) {
            // Without a place to go it cannot move; detach it instead.
            ::umount2(fs, MNT_DETACH);
            continue;
        }
        if (::mount(fs, target.c_str(), nullptr, MS_MOVE, nullptr) < 0)
            ::umount2(fs, MNT_DETACH);
    }
    if (::chdir(new_root.c_str()) < 0)
        return system_error("cannot enter " + new_root);

    // Free the initramfs (it is RAM). Deleting it costs tens of ms in a slow
    // guest, so a child at idle priority does it while the next init loads
    // from disk; the next init reaps it. Without a child, here and now.
    UniqueFd old_root(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (old_root) {
        pid_t deleter = ::fork();
        if (deleter == 0) {
            sched_param idle{};
            ::sched_setscheduler(0, SCHED_IDLE, &idle);
            delete_tree(old_root.get(), root_st.st_dev, 0);
            ::_exit(0);
        }
        if (deleter < 0)
            delete_tree(old_root.get(), root_st.st_dev, 0);
    }
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0)
        return system_error("cannot move " + new_root + " to /");
    if (::chroot(".") < 0)
        return system_error("cannot chroot into the new root");
    if (::chdir("/") < 0)
        return system_error("cannot chdir to the new /");
    return {};
}

std::optional<InRoot> look_up_in(const std::string& root, const std::string& path) {
    UniqueFd dir(::open(root.empty() ? "/" : root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return std::nullopt;
    // The kernel resolves every symlink and ".." as if `root` were "/".
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;
    UniqueFd file(
        static_cast<int>(::syscall(SYS_openat2, dir.get(), path.c_str(), &how, sizeof how)));
    if (!file)
        return std::nullopt;
    struct stat st;
    if (::fstat(file.get(), &st) < 0)
        return std::nullopt;
    // /proc names both as this process sees them: the file under the root.
    auto name_of = [](const UniqueFd& fd) {
        std::error_code ec;
        auto name = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd.get()), ec);
        return ec ? std::string() : name.string();
    };
    std::string base = name_of(dir), seen = name_of(file);
    if (base == "/")
        base.clear();
    if (seen.empty() || !seen.starts_with(base + "/"))
        return std::nullopt;
    return InRoot{seen.substr(base.size()), S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0};
}

std::string first_executable_in(const std::string& root,
                                const std::vector<std::string>& candidates) {
    for (const auto& path : candidates)
        if (auto found = look_up_in(root, path); found && found->executable)
            return path;
    return "";
}

}  // namespace fastinit
