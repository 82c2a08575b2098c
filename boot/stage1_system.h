// Everything stage 1's sequence (boot/stage1_sequence.h) does to the
// system, as one interface: the sequence decides, this acts. The real one
// (real_stage1_system) mounts, waits, loads and executes; the unit tests'
// fake records the calls and answers as told. Like MountOps and PowerOps
// (initd/pid1), one virtual function per thing done.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/result.h"
#include "boot/bring_up.h"
#include "boot/luks.h"
#include "boot/root_layers.h"
#include "boot/run_tool.h"
#include "initd/stage1/root_mount.h"
#include "initd/stage1/root_spec.h"
#include "initd/stage1/switch_root.h"
#include "kdump/capture.h"

namespace fastinit {

class Stage1System {
  public:
    virtual ~Stage1System() = default;

    // CLOCK_BOOTTIME, in microseconds.
    virtual long long now_us() = 0;
    // /proc, /sys, /dev, /run and the rest where missing, then logging to
    // the kernel log; what could not be mounted.
    virtual std::vector<Error> mount_pseudo_filesystems() = 0;
    // The kernel command line; "" when it cannot be read.
    virtual std::string kernel_cmdline() = 0;

    // The device bring-up's two halves (boot/bring_up.h). They may throw:
    // their input is a file from the last boot.
    virtual Result<ApplyReport> start_bring_up(const std::string& cache_path, bool reprobe,
                                               const std::string& root_source) = 0;
    virtual BringUpFinish finish_bring_up(const std::string& root_device, const std::string& fstype,
                                          bool hand_over) = 0;

    // The storage layers the root may sit on (boot/root_layers.h says when
    // they are assembled). The kinds whose tool this image carries: "md"
    // (mdadm), "luks" (cryptsetup), "lvm" (lvm).
    virtual std::vector<std::string> layer_tools() = 0;
    // Modules no device asks for, by name or alias (a layer's: md_mod,
    // raid1, dm_mod). An error names those that did not load.
    virtual Result<void> load_modules(const std::vector<std::string>& names) = 0;
    // `mdadm --assemble --scan --run` (degraded arrays start too), then the
    // arrays as /proc/mdstat shows them.
    virtual Result<std::vector<MdArrayState>> assemble_md() = 0;
    // `lvm vgchange -ay --sysinit`, with udev left out (there is none).
    virtual Result<void> activate_lvm() = 0;
    // LUKS (boot/luks.h): the image's /etc/crypttab ("" without one), the
    // LUKS devices present, a passphrase read on the console with echo off
    // (nullopt when none can be), and `cryptsetup open` of unlock.device
    // (a node) with its keyfile or `passphrase` on its stdin; errno EPERM
    // when the key did not fit.
    virtual std::string crypttab() = 0;
    virtual std::vector<LuksDevice> luks_devices() = 0;
    virtual std::optional<Secret> ask_passphrase(const std::string& prompt) = 0;
    virtual Result<void> open_luks(const LuksUnlock& unlock, const Secret* passphrase) = 0;
    // A crypttab entry with tpm2-device=: the image's systemd-cryptsetup,
    // headless (boot/luks_tpm2.h); errno ENOENT when the image has none.
    virtual Result<void> open_luks_tpm2(const LuksUnlock& unlock) = 0;

    // Hibernation (boot/resume.h): a block device's number "MAJ:MIN", and a
    // write to /sys/power/NAME (writing "resume" resumes when there is an
    // image, and then never returns).
    virtual Result<std::string> device_number(const std::string& node) = 0;
    virtual Result<void> write_power_file(const std::string& name, const std::string& text) = 0;
    // The image's default resume device (paths::kImageResumeDefault), its
    // first line; "" when there is none.
    virtual std::string image_resume_default() = 0;

    // The root's check (boot/root_fsck.h): the image's fsck.TYPE, or "";
    // running it, killed after `timeout`.
    virtual std::string fsck_tool(const std::string& fstype) = 0;
    virtual Result<ToolRun> run_fsck(const std::vector<std::string>& argv, Duration timeout) = 0;

    // A root on NFS (initd/stage1/nfs_root.h): configures the network as
    // `ip` says (klibc's ipconfig, which writes /run/net-IFACE.conf for the
    // real root's networking), within `timeout` (nullopt: no limit), and
    // says what it learnt.
    virtual Result<NetLease> configure_network(const IpConfig& ip,
                                               std::optional<Duration> timeout) = 0;

    // The root (initd/stage1/root_mount.h).
    virtual Result<RootDevice> wait_for_root(const RootSpec& spec, const RootHint& hint) = 0;
    virtual std::string detect_fstype(const std::string& device) = 0;
    virtual bool filesystem_available(const std::string& fstype) = 0;
    // The modules of filesystem `fstype` (device-cache/filesystem_modules.h).
    virtual Result<void> load_filesystem(const std::string& fstype) = 0;
    virtual Result<void> mount_root(const RootSpec& spec, const std::string& device,
                                    const std::string& fstype, const std::string& target) = 0;
    // A file of the root mounted at `root` ("" the current one), symlinks
    // resolved inside it (initd/stage1/switch_root.h).
    virtual std::optional<InRoot> look_up(const std::string& root, const std::string& path) = 0;

    // The device cache at `path`, if it is at most paths::kMaxDeviceCacheSize
    // (EFBIG when it is bigger).
    virtual Result<std::string> read_device_cache(const std::string& path) = 0;
    // Writes `text` atomically at `path` in paths::kRuntimeDir, creating
    // that directory if needed.
    virtual Result<void> write_runtime_file(const std::string& path, const std::string& text) = 0;

    // A crash kernel's boot (kdump/capture.h): /proc/vmcore exists.
    virtual bool vmcore_present() = 0;
    // From now on, whatever happens (a hung disk, a capture that never
    // ends), the machine reboots through the firmware after `timeout`.
    virtual void arm_capture_deadline(Duration timeout) = 0;
    // Reads the kdump config of the root mounted at `root` and captures.
    virtual CaptureOutcome capture_dump(const std::string& root) = 0;

    virtual Result<void> switch_root(const std::string& new_root) = 0;
    // execv: returns only when it failed, saying why.
    virtual Error exec(const std::string& program, const std::vector<std::string>& argv) = 0;
    // The last resort (initd/pid1/emergency.h): never returns.
    [[noreturn]] void emergency(const std::string& why) {
        enter_emergency(why);
        std::abort();  // not reached: enter_emergency does not return
    }

    // After a capture: sync, release the filesystems and do `action`
    // (shell: the emergency shell). Never returns.
    [[noreturn]] void end_capture(KdumpAction action) {
        do_end_capture(action);
        std::abort();  // not reached
    }

    // Sync and reboot (fsck repaired the root and asks for it). Never
    // returns.
    [[noreturn]] void reboot() {
        do_reboot();
        std::abort();  // not reached
    }

  protected:
    // Must not return (the fake throws).
    virtual void enter_emergency(const std::string& why) = 0;
    virtual void do_end_capture(KdumpAction action) = 0;
    virtual void do_reboot() = 0;
};

// This machine.
Stage1System& real_stage1_system();

}  // namespace fastinit
