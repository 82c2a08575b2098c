#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <sys/reboot.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include "base/atomic_file.h"
#include "base/boot_clock.h"
#include "base/journal_record.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/luks_console.h"
#include "boot/luks_tpm2.h"
#include "boot/network_up.h"
#include "boot/run_tool.h"
#include "boot/stage1_system.h"
#include "device-cache/filesystem_modules.h"
#include "device-cache/module_tree.h"
#include "initd/pid1/emergency.h"
#include "initd/pid1/final_stage.h"
#include "initd/pid1/mounts.h"
#include "kdump/real_capture_ops.h"

namespace fastinit {

namespace {

// Stage 1's messages, also as journal records in /run for the manager to
// take in (it runs before the manager has a journal). The fd is
// close-on-exec: the next init does not inherit it.
int g_initrd_journal = -1;

void log_to_initrd_journal(void*, int priority, std::string_view message) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    JournalLine line;
    line.unit = "initrd";
    line.pid = ::getpid();
    line.priority = priority;
    line.realtime_us = static_cast<long long>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
    line.boottime_us = boottime_us();
    line.text = std::string(message);
    std::string record = format_journal_record(line);
    [[maybe_unused]] ssize_t n = ::write(g_initrd_journal, record.data(), record.size());
}

void start_initrd_journal() {
    ::mkdir(paths::kRuntimeDir, 0755);
    std::string path = std::string(paths::kRuntimeDir) + "/" + paths::kInitrdJournalName;
    g_initrd_journal = ::open(
        path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (g_initrd_journal < 0)
        return;  // the console and the kernel log still have them
    [[maybe_unused]] ssize_t n =
        ::write(g_initrd_journal, kJournalFileHeader.data(), kJournalFileHeader.size());
    log::set_sink(log_to_initrd_journal, nullptr);
}

// Where mkinitramfs puts each layer's tool (a merged /usr or not).
const std::vector<std::pair<std::string, std::vector<std::string>>> kLayerTools = {
    {"md", {"/usr/sbin/mdadm", "/sbin/mdadm"}},
    {"lvm", {"/usr/sbin/lvm", "/sbin/lvm"}},
    {"luks", {"/usr/sbin/cryptsetup", "/sbin/cryptsetup"}},
};

// Where mkinitramfs puts a filesystem's checker.
const char* const kFsckDirs[] = {"/usr/sbin/", "/sbin/"};

std::string tool_path(const std::string& kind) {
    for (const auto& [k, paths] : kLayerTools)
        if (k == kind)
            for (const std::string& path : paths)
                if (::access(path.c_str(), X_OK) == 0)
                    return path;
    return "";
}

// Longer than any assembly of healthy disks; shorter than the root's wait.
constexpr Duration kToolTimeout = std::chrono::seconds(20);

// Why a tool failed, from its exit status and its last words.
Error tool_failed(const std::string& name, const ToolRun& run) {
    std::string said = last_line(run.output);
    return Error{name + " exited with status " + std::to_string(run.exit_status) +
                 (said.empty() ? "" : ": " + to_valid_utf8(said))};
}

// LVM without udev (stage 1 runs none): it makes its /dev nodes itself and
// waits for no udev event; devices are found by scanning /dev, and a
// devices file of the installed system (not in the image) must not hide
// them.
const char* const kLvmConfig =
    "devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 } "
    "activation { udev_sync = 0 udev_rules = 0 monitoring = 0 } "
    "global { use_lvmpolld = 0 }";

class RealStage1System final : public Stage1System {
  public:
    long long now_us() override { return boottime_us(); }

    std::vector<Error> mount_pseudo_filesystems() override {
        MountReport mounts = fastinit::mount_pseudo_filesystems(system_mount_ops());
        log::enable_kmsg();
        start_initrd_journal();
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

    std::vector<std::string> layer_tools() override {
        std::vector<std::string> kinds;
        for (const auto& [kind, paths] : kLayerTools)
            if (!tool_path(kind).empty())
                kinds.push_back(kind);
        return kinds;
    }

    Result<void> load_modules(const std::vector<std::string>& names) override {
        return load_named_modules_here(running_module_tree(), names);
    }

    Result<std::vector<MdArrayState>> assemble_md() override {
        // mdadm reads /etc/mdadm/mdadm.conf when the image has one, else
        // assembles every array it finds from the superblocks.
        ::mkdir("/run/mdadm", 0755);
        auto run = run_tool({tool_path("md"), "--assemble", "--scan", "--run"}, kToolTimeout);
        if (!run)
            return run.error();
        auto mdstat = read_file("/proc/mdstat");
        std::vector<MdArrayState> arrays =
            mdstat ? parse_mdstat(*mdstat) : std::vector<MdArrayState>{};
        // Status 2 with arrays running: some were already assembled or
        // could not start; what runs is in mdstat.
        if (run->exit_status != 0 && arrays.empty())
            return tool_failed("mdadm", *run);
        return arrays;
    }

    Result<void> activate_lvm() override {
        for (const char* dir : {"/run/lvm", "/run/lock", "/run/lock/lvm"})
            ::mkdir(dir, 0700);
        auto run =
            run_tool({tool_path("lvm"), "vgchange", "-ay", "--sysinit", "--config", kLvmConfig},
                     kToolTimeout, {"LVM_SUPPRESS_FD_WARNINGS=1"});
        if (!run)
            return run.error();
        if (run->exit_status != 0)
            return tool_failed("lvm vgchange", *run);
        std::string said = last_line(run->output);
        if (!said.empty())
            log::info("LVM: ", to_valid_utf8(said));
        return {};
    }

    std::string crypttab() override {
        auto text = read_file_at_most("/etc/crypttab", 256 * 1024);
        return text ? *text : "";
    }

    std::vector<LuksDevice> luks_devices() override { return find_luks_devices(); }

    std::optional<Secret> ask_passphrase(const std::string& prompt) override {
        return read_passphrase(prompt);
    }

    Result<void> open_luks(const LuksUnlock& unlock, const Secret* passphrase) override {
        ::mkdir("/run/cryptsetup", 0700);
        std::vector<std::string> argv{tool_path("luks"), "open", "--type", "luks"};
        argv.push_back(passphrase ? "--key-file=-" : "--key-file=" + unlock.keyfile);
        argv.push_back(unlock.device);
        argv.push_back(unlock.name);
        // libdevmapper without udev (stage 1 runs none): it makes the
        // /dev/mapper node itself and waits for no udev event.
        std::vector<std::string> env{"DM_DISABLE_UDEV=1"};
        auto run = passphrase ? run_tool_with_input(
                                    argv, std::string_view(passphrase->data(), passphrase->size()),
                                    kToolTimeout, env)
                              : run_tool(argv, kToolTimeout, env);
        if (!run)
            return run.error();
        // cryptsetup's exit status 2: no key slot opened with that key.
        if (run->exit_status == 2)
            return Error{"the key did not fit", EPERM};
        if (run->exit_status != 0)
            return tool_failed("cryptsetup open", *run);
        return {};
    }

    Result<void> open_luks_tpm2(const LuksUnlock& unlock) override {
        return attach_with_tpm2(unlock);
    }

    Result<std::string> device_number(const std::string& node) override {
        struct stat st {};
        if (::stat(node.c_str(), &st) < 0)
            return system_error("cannot stat " + node);
        if (!S_ISBLK(st.st_mode))
            return Error{node + " is not a block device", ENOTBLK};
        return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    }

    Result<void> write_power_file(const std::string& name, const std::string& text) override {
        std::string path = "/sys/power/" + name;
        int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return system_error("cannot open " + path);
        ssize_t n = ::write(fd, text.data(), text.size());
        int saved = errno;
        ::close(fd);
        if (n < 0)
            return system_error("cannot write " + text + " to " + path, saved);
        return {};
    }

    std::string image_resume_default() override {
        auto text = read_file_at_most(paths::kImageResumeDefault, 4096);
        if (!text)
            return "";
        std::string line = text->substr(0, text->find('\n'));
        while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
            line.pop_back();
        return line;
    }

    std::string fsck_tool(const std::string& fstype) override {
        if (fstype.empty() || fstype.find('/') != std::string::npos)
            return "";
        for (const char* dir : kFsckDirs) {
            std::string path = std::string(dir) + "fsck." + fstype;
            if (::access(path.c_str(), X_OK) == 0)
                return path;
        }
        return "";
    }

    Result<ToolRun> run_fsck(const std::vector<std::string>& argv, Duration timeout) override {
        return run_tool(argv, timeout);
    }

    Result<NetLease> configure_network(const IpConfig& ip,
                                       std::optional<Duration> timeout) override {
        return configure_network_here(ip, timeout);
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

    bool vmcore_present() override { return ::access("/proc/vmcore", F_OK) == 0; }

    // A thread of its own: the main one may be stuck in the kernel (a
    // mount, a write to a dying disk). No sync first: it could hang too.
    void arm_capture_deadline(Duration timeout) override {
        std::thread([timeout] {
            std::this_thread::sleep_for(timeout);
            log::error("the crash capture did not finish within ", format_duration(timeout),
                       "; rebooting through the firmware");
            ::reboot(RB_AUTOBOOT);
        }).detach();
    }

    CaptureOutcome capture_dump(const std::string& root) override {
        CaptureOutcome outcome;
        auto config = load_kdump_config(root + kKdumpConfigPath);
        KdumpConfig used;
        if (config)
            used = *config;
        else
            outcome.config_error = config.error();
        outcome.action = used.action;
        outcome.result = fastinit::capture_dump(real_capture_ops(), used, root);
        return outcome;
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

    void do_end_capture(KdumpAction action) override {
        if (action == KdumpAction::shell)
            fastinit::emergency("the crash dump is saved; a shell, as kdump.toml asks");
        finish_as_pid1(
            action == KdumpAction::poweroff ? PowerAction::poweroff : PowerAction::reboot,
            system_power_ops(), std::chrono::milliseconds(500), true);
    }

    void do_reboot() override {
        finish_as_pid1(PowerAction::reboot, system_power_ops(), std::chrono::milliseconds(500),
                       true);
    }

  private:
    BootBringUp m_bring_up;
};

}  // namespace

Stage1System& real_stage1_system() {
    static RealStage1System system;
    return system;
}

}  // namespace fastinit
