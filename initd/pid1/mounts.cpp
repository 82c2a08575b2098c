#include "initd/pid1/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

namespace fastinit {
namespace {

class SystemMountOps : public MountOps {
  public:
    bool is_mountpoint(const std::string& path) override {
        // A mount point sits on a different device than its parent (or is
        // the root itself).
        struct stat here, parent;
        if (::stat(path.c_str(), &here) < 0)
            return false;
        std::string up = path == "/" ? "/" : path + "/..";
        if (::stat(up.c_str(), &parent) < 0)
            return false;
        return here.st_dev != parent.st_dev || here.st_ino == parent.st_ino;
    }
    Result<void> make_directory(const std::string& path, unsigned mode) override {
        if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST)
            return system_error("cannot create " + path);
        return {};
    }
    Result<void> mount(const std::string& source, const std::string& target,
                       const std::string& type, unsigned long flags,
                       const std::string& data) override {
        if (::mount(source.c_str(), target.c_str(), type.c_str(), flags,
                    data.empty() ? nullptr : data.c_str()) < 0)
            return system_error("cannot mount " + type + " on " + target);
        return {};
    }
};

struct PseudoFs {
    const char* source;
    const char* target;
    const char* type;
    unsigned long flags;
    const char* data;
};

constexpr PseudoFs kPseudoFilesystems[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666"},
    {"tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
};

constexpr PseudoFs kKernelFilesystems[] = {
    {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NOEXEC | MS_NODEV, "nsdelegate"},
    {"bpf", "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=700"},
    {"securityfs", "/sys/kernel/security", "securityfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, ""},
};

template <size_t N>
MountReport mount_missing(MountOps& ops, const PseudoFs (&table)[N]) {
    MountReport report;
    for (const auto& fs : table) {
        if (ops.is_mountpoint(fs.target))
            continue;
        auto made = ops.make_directory(fs.target, 0755);
        if (!made) {
            report.errors.push_back(made.error());
            continue;
        }
        auto mounted = ops.mount(fs.source, fs.target, fs.type, fs.flags, fs.data);
        if (mounted)
            report.mounted.push_back(fs.target);
        else
            report.errors.push_back(mounted.error());
    }
    return report;
}

}  // namespace

MountOps& system_mount_ops() {
    static SystemMountOps ops;
    return ops;
}

MountReport mount_pseudo_filesystems(MountOps& ops) {
    return mount_missing(ops, kPseudoFilesystems);
}

MountReport mount_kernel_filesystems(MountOps& ops) {
    return mount_missing(ops, kKernelFilesystems);
}

}  // namespace fastinit
