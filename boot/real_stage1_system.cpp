#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "base/boot_clock.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/stage1_system.h"
#include "device-cache/filesystem_modules.h"
#include "device-cache/module_tree.h"
#include "initd/pid1/emergency.h"
#include "initd/pid1/mounts.h"

namespace fastinit {

namespace {

class RealStage1System final : public Stage1System {
  public:
    long long now_us() override { return boottime_us(); }

    std::vector<Error> mount_pseudo_filesystems() override {
        MountReport mounts = fastinit::mount_pseudo_filesystems(system_mount_ops());
        log::enable_kmsg();
        return mounts.errors;
    }

    std::string kernel_cmdline() override {
        auto text = read_file(paths::kProcCmdline);
        return text ? *text : "";
    }

    Result<ApplyReport> start_bring_up(const std::string& cache_path, bool reprobe,
                                       const std::string& root_source) override {
        return m_bring_up.start(cache_path, reprobe, root_source);
    }

    BringUpFinish finish_bring_up(const std::string& root_device, const std::string& fstype,
                                  bool hand_over) override {
        return m_bring_up.finish(root_device, fstype, hand_over);
    }

    Result<RootDevice> wait_for_root(const RootSpec& spec, const RootHint& hint) override {
        return wait_for_root_device(spec, hint);
    }

    std::string detect_fstype(const std::string& device) override {
        return fastinit::detect_fstype(device);
    }

    bool filesystem_available(const std::string& fstype) override {
        return fastinit::filesystem_available(fstype);
    }

    Result<void> load_filesystem(const std::string& fstype) override {
        return load_filesystem_here(running_module_tree(), fstype);
    }

    Result<void> mount_root(const RootSpec& spec, const std::string& device,
                            const std::string& fstype, const std::string& target) override {
        return fastinit::mount_root(spec, device, fstype, target);
    }

    std::optional<InRoot> look_up(const std::string& root, const std::string& path) override {
        return look_up_in(root, path);
    }

    Result<std::string> read_device_cache(const std::string& path) override {
        return read_file_at_most(path, paths::kMaxDeviceCacheSize);
    }

    Result<void> write_runtime_file(const std::string& path, const std::string& text) override {
        ::mkdir(paths::kRuntimeDir, 0755);
        return write_file_atomically(path, text);
    }

    Result<void> switch_root(const std::string& new_root) override {
        return fastinit::switch_root(new_root);
    }

    Error exec(const std::string& program, const std::vector<std::string>& argv) override {
        std::vector<char*> pointers;
        for (const std::string& arg : argv)
            pointers.push_back(const_cast<char*>(arg.c_str()));
        pointers.push_back(nullptr);
        ::execv(program.c_str(), pointers.data());
        return system_error("cannot execute " + program);
    }

  protected:
    void enter_emergency(const std::string& why) override { fastinit::emergency(why); }

  private:
    BootBringUp m_bring_up;
};

}  // namespace

Stage1System& real_stage1_system() {
    static RealStage1System system;
    return system;
}

}  // namespace fastinit
