// Stage 1's sequence (boot/stage1_sequence.h) over a fake system: the order
// of its steps on a good boot, and what each failure leads to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/initrd_report.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/stage1_sequence.h"

namespace fastinit {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// How a run ends in the fake: one of these is thrown.
struct Emergency {
    std::string why;
};
struct Executed {
    std::string program;
};
struct CaptureEnded {
    KdumpAction action;
};
struct Resumed {};   // the kernel found an image: this boot is gone
struct Rebooted {};  // fsck asked for a reboot

class FakeStage1System : public Stage1System {
  public:
    FakeStage1System() {
        report->decision = {DevicePath::use_cache, "using the device cache"};
        files["/usr/sbin/fastinit"] = true;
        files["/usr/sbin/fastinit-manager"] = true;
        executable = {"/usr/sbin/fastinit-manager", "/usr/sbin/fastinit"};
    }

    // What the fake answers.
    std::string cmdline = "root=/dev/vda ro";
    Result<ApplyReport> report = ApplyReport{};
    bool start_throws = false, finish_throws = false;
    BringUpFinish finished;
    Result<RootDevice> root = RootDevice{"/dev/vda", "ext4"};
    bool fs_available = false;
    Result<void> fs_loaded = {};
    Result<void> mounted = {};
    std::map<std::string, bool> files;  // path -> executable, in any root
    Result<std::string> cache = std::string("the cache");
    Result<void> switched = {};
    std::set<std::string> executable;  // what exec runs (and so ends the run)
    bool vmcore = false;
    CaptureOutcome capture_outcome;
    // The storage layers: the tools the image has, what they answer, and
    // whether the root appears only once they ran.
    std::vector<std::string> tools;
    Result<std::vector<MdArrayState>> md_arrays = std::vector<MdArrayState>{};
    Result<void> lvm_activated = {};
    Result<void> modules_loaded = {};
    bool root_needs_layers = false;
    // LUKS: the image's crypttab, the devices a scan finds, the
    // passphrases typed in turn, the key that opens every device ("" none)
    // and the devices found by their crypttab/UUID name.
    std::string crypttab_text;
    std::vector<LuksDevice> luks_found;
    std::vector<std::string> typed;
    std::string right_key = "sesame";
    std::map<std::string, std::string> luks_nodes;
    // What the TPM2 unlock (systemd-cryptsetup) answers.
    Result<void> tpm2_opens = Error{"systemd-cryptsetup exited with status 1", EACCES};
    // Hibernation: devices other than the root wait_for_root finds (absent
    // ones never appear), their numbers, and whether the swap holds an
    // image (then the write of "resume" does not return).
    std::map<std::string, Result<RootDevice>> other_devices;
    std::map<std::string, std::string> device_numbers{{"/dev/vdb", "254:16"}};
    bool hibernation_image = false;
    std::string resume_default;  // the image's (mkinitramfs --host-only)
    Result<void> power_written = {};
    // The root's check: fstype -> the image's fsck.TYPE; what a run
    // answers.
    std::map<std::string, std::string> fsck_tools;
    Result<ToolRun> fsck_run = ToolRun{0, "/dev/vda: clean, 11/6400 files"};
    // A root on NFS: what the network configuration answers.
    Result<NetLease> lease = NetLease{"eth0", "10.0.2.15", "", ""};
    std::optional<IpConfig> network_asked;

    // What it was asked.
    std::vector<std::string> calls;  // without look_up
    std::string cache_path;
    bool reprobe = false;
    bool hand_over = false;
    std::map<std::string, std::string> written;
    std::vector<std::vector<std::string>> execs;  // program, then argv
    std::optional<bool> mounted_read_only;
    std::string mount_data;
    int mounts_refused = 0;  // the next mounts fail with EPROTONOSUPPORT

    long long now_us() override { return m_clock += 1000; }
    std::vector<Error> mount_pseudo_filesystems() override {
        calls.push_back("mount pseudo-filesystems");
        return {};
    }
    std::string kernel_cmdline() override {
        calls.push_back("read cmdline");
        return cmdline;
    }
    Result<ApplyReport> start_bring_up(const std::string& path, bool reprobe_,
                                       const std::string& root_source) override {
        calls.push_back("start bring-up " + root_source);
        cache_path = path;
        reprobe = reprobe_;
        if (start_throws)
            throw std::runtime_error("the cache bit back");
        return report;
    }
    BringUpFinish finish_bring_up(const std::string& device, const std::string& fstype,
                                  bool hand_over_) override {
        calls.push_back("finish bring-up " + device + " " + fstype);
        hand_over = hand_over_;
        if (finish_throws)
            throw 42;
        return finished;
    }
    std::vector<std::string> layer_tools() override { return tools; }
    Result<void> load_modules(const std::vector<std::string>& names) override {
        calls.push_back("load modules " + join(names, " "));
        return modules_loaded;
    }
    Result<std::vector<MdArrayState>> assemble_md() override {
        calls.push_back("assemble md");
        assembled = true;
        return md_arrays;
    }
    Result<void> activate_lvm() override {
        calls.push_back("activate lvm");
        assembled = true;
        return lvm_activated;
    }
    std::string crypttab() override { return crypttab_text; }
    std::vector<LuksDevice> luks_devices() override {
        calls.push_back("scan luks");
        return luks_found;
    }
    std::optional<Secret> ask_passphrase(const std::string& prompt) override {
        calls.push_back("ask " + prompt);
        if (typed.empty())
            return std::nullopt;
        Secret secret;
        for (char c : typed.front())
            secret.push_back(c);
        typed.erase(typed.begin());
        return secret;
    }
    Result<void> open_luks(const LuksUnlock& unlock, const Secret* passphrase) override {
        std::string key = passphrase
                              ? "passphrase " + std::string(passphrase->data(), passphrase->size())
                              : "keyfile " + unlock.keyfile;
        calls.push_back("open " + unlock.device + " as " + unlock.name + " with " + key);
        if (key != "passphrase " + right_key && key != "keyfile " + right_key)
            return Error{"the key did not fit", EPERM};
        assembled = true;
        return {};
    }
    Result<void> open_luks_tpm2(const LuksUnlock& unlock) override {
        calls.push_back("tpm2 " + unlock.device + " as " + unlock.name);
        if (tpm2_opens)
            assembled = true;
        return tpm2_opens;
    }
    Result<std::string> device_number(const std::string& node) override {
        auto found = device_numbers.find(node);
        if (found == device_numbers.end())
            return Error{node + " is not a block device", ENOTBLK};
        return found->second;
    }
    Result<void> write_power_file(const std::string& name, const std::string& text) override {
        calls.push_back("power " + name + " " + text);
        if (power_written && name == "resume" && hibernation_image)
            throw Resumed{};
        return power_written;
    }
    std::string image_resume_default() override { return resume_default; }
    std::string fsck_tool(const std::string& fstype) override {
        auto found = fsck_tools.find(fstype);
        return found == fsck_tools.end() ? "" : found->second;
    }
    Result<ToolRun> run_fsck(const std::vector<std::string>& argv, Duration timeout) override {
        calls.push_back("fsck " + join(argv, " ") + " within " + format_duration(timeout));
        return fsck_run;
    }
    Result<NetLease> configure_network(const IpConfig& ip, std::optional<Duration>) override {
        calls.push_back("configure network");
        network_asked = ip;
        return lease;
    }
    Result<RootDevice> wait_for_root(const RootSpec& spec, const RootHint&) override {
        if (auto node = luks_nodes.find(spec.source); node != luks_nodes.end()) {
            calls.push_back("find " + spec.source);
            return RootDevice{node->second, "crypto_LUKS"};
        }
        bool brief = spec.timeout && *spec.timeout <= kLayerGrace;
        calls.push_back((brief ? "wait briefly for " : "wait for ") + spec.source);
        if (root_needs_layers && !assembled)
            return Error{"no root " + spec.source + " (block devices: vda)"};
        if (auto other = other_devices.find(spec.source); other != other_devices.end())
            return other->second;
        return root;
    }
    std::string detect_fstype(const std::string&) override { return "xfs"; }
    bool filesystem_available(const std::string&) override { return fs_available; }
    Result<void> load_filesystem(const std::string& fstype) override {
        calls.push_back("load fs " + fstype);
        return fs_loaded;
    }
    Result<void> mount_root(const RootSpec& spec, const std::string& device,
                            const std::string& fstype, const std::string& target) override {
        calls.push_back("mount " + device + " " + fstype + " " + target);
        mounted_read_only = spec.read_only;
        mount_data = spec.options;
        if (mounts_refused > 0) {
            --mounts_refused;
            return Error{"cannot mount " + device + ": Protocol not supported", EPROTONOSUPPORT};
        }
        return mounted;
    }
    std::optional<InRoot> look_up(const std::string&, const std::string& path) override {
        auto found = files.find(path);
        if (found == files.end())
            return std::nullopt;
        return InRoot{path, found->second};
    }
    Result<std::string> read_device_cache(const std::string& path) override {
        calls.push_back("read cache " + path);
        return cache;
    }
    Result<void> write_runtime_file(const std::string& path, const std::string& text) override {
        calls.push_back("write " + path);
        written[path] = text;
        return {};
    }
    bool vmcore_present() override { return vmcore; }
    void arm_capture_deadline(Duration timeout) override {
        calls.push_back("deadline " + format_duration(timeout));
    }
    CaptureOutcome capture_dump(const std::string& root) override {
        calls.push_back("capture " + root);
        return capture_outcome;
    }
    Result<void> switch_root(const std::string& new_root) override {
        calls.push_back("switch root " + new_root);
        return switched;
    }
    Error exec(const std::string& program, const std::vector<std::string>& argv) override {
        calls.push_back("exec " + program);
        std::vector<std::string> call{program};
        call.insert(call.end(), argv.begin(), argv.end());
        execs.push_back(call);
        if (executable.contains(program))
            throw Executed{program};
        return Error{"cannot execute " + program + ": Exec format error", ENOEXEC};
    }

  protected:
    void enter_emergency(const std::string& why) override { throw Emergency{why}; }
    void do_end_capture(KdumpAction action) override { throw CaptureEnded{action}; }
    void do_reboot() override { throw Rebooted{}; }

  private:
    long long m_clock = 0;
    bool assembled = false;
};

// Every message logged while it lives.
class LogCapture {
  public:
    LogCapture() { log::set_sink(&LogCapture::sink, this); }
    ~LogCapture() { log::set_sink(nullptr, nullptr); }
    std::string text() const { return m_text; }

  private:
    static void sink(void* self, int, std::string_view message) {
        static_cast<LogCapture*>(self)->m_text += std::string(message) + "\n";
    }
    std::string m_text;
};

// "exec PROGRAM" or "emergency: WHY".
std::string run(FakeStage1System& system, std::vector<std::string> args = {}) {
    try {
        run_stage1(system, args);
    } catch (const Emergency& e) {
        return "emergency: " + e.why;
    } catch (const Executed& e) {
        return "exec " + e.program;
    } catch (const CaptureEnded& e) {
        return "end capture: " + std::string(to_string(e.action));
    } catch (const Resumed&) {
        return "resumed";
    } catch (const Rebooted&) {
        return "reboot";
    }
}

InitrdReport written_report(const FakeStage1System& system) {
    auto text = system.written.find(paths::kInitrdReport);
    if (text == system.written.end())
        return {};
    auto report = parse_initrd_report(text->second);
    return report ? *report : InitrdReport{};
}

TEST(Stage1Sequence, AGoodBootRunsEveryStepInOrder) {
    FakeStage1System system;
    EXPECT_EQ(run(system, {"--reprobe", "--debug"}), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(
        system.calls,
        ElementsAre("mount pseudo-filesystems", "read cmdline", "start bring-up /dev/vda",
                    "wait for /dev/vda", "load fs ext4", "mount /dev/vda ext4 /root",
                    "finish bring-up /dev/vda ext4", "read cache /var/lib/fastinit/devices.db",
                    "write /run/fastinit/devices.db", "write /run/fastinit/initrd.json",
                    "switch root /root", "exec /usr/sbin/fastinit-manager"));
    // The next init is named as itself; --reprobe was stage 1's alone.
    EXPECT_THAT(system.execs, ElementsAre(ElementsAre("/usr/sbin/fastinit-manager",
                                                      "/usr/sbin/fastinit", "--debug")));
    EXPECT_TRUE(system.reprobe);
    EXPECT_TRUE(system.hand_over) << "the next init is fastinit: it takes over modules";
    EXPECT_EQ(system.written[paths::kHandedOverCache], "the cache");
    InitrdReport report = written_report(system);
    EXPECT_EQ(report.devices.mode, "cache-hit");
    EXPECT_EQ(report.root.device, "/dev/vda");
    EXPECT_EQ(report.next_init, "/usr/sbin/fastinit");
    EXPECT_GT(report.switch_root_us, report.root.mounted_us);
    EXPECT_GT(report.root.mounted_us, report.userspace_start_us);
}

// ---- a root on NFS -----------------------------------------------------------

TEST(Stage1Sequence, AnNfsRootBringsTheNetworkUpThenMountsWithoutWaitingForADevice) {
    FakeStage1System system;
    system.cmdline = "root=nfs4:10.0.2.100:/export ip=dhcp rw";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(
        system.calls,
        ElementsAre("mount pseudo-filesystems", "read cmdline",
                    "start bring-up nfs4:10.0.2.100:/export", "configure network",
                    "load modules nfsv4", "load fs nfs4", "mount 10.0.2.100:/export nfs4 /root",
                    "finish bring-up 10.0.2.100:/export nfs4",
                    "read cache /var/lib/fastinit/devices.db", "write /run/fastinit/devices.db",
                    "write /run/fastinit/initrd.json", "switch root /root",
                    "exec /usr/sbin/fastinit-manager"));
    EXPECT_EQ(system.mount_data, "vers=4.2,addr=10.0.2.100");
    EXPECT_EQ(system.mounted_read_only, false);
    ASSERT_TRUE(system.network_asked);
    EXPECT_EQ(system.network_asked->method, IpConfig::Method::dhcp);
    EXPECT_EQ(written_report(system).root.device, "10.0.2.100:/export");
}

TEST(Stage1Sequence, AnNfsv4ServerThatRefusesAMinorVersionIsTriedWithTheNextDown) {
    FakeStage1System system;
    system.cmdline = "root=nfs4:10.0.2.100:/export";
    system.mounts_refused = 2;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_EQ(system.mount_data, "vers=4.0,addr=10.0.2.100");

    FakeStage1System none;
    none.cmdline = "root=nfs4:10.0.2.100:/export";
    none.mounts_refused = 3;
    EXPECT_THAT(run(none), HasSubstr("Protocol not supported"));

    FakeStage1System other;
    other.cmdline = "root=nfs4:10.0.2.100:/export";
    other.mounted = Error{"cannot mount: Permission denied", EACCES};
    EXPECT_THAT(run(other), HasSubstr("Permission denied"));
    EXPECT_EQ(other.mount_data, "vers=4.2,addr=10.0.2.100") << "only a refused version is retried";
}

TEST(Stage1Sequence, AnNfsRootTakesItsServerFromDhcpWhenTheCommandLineHasNone) {
    FakeStage1System system;
    system.cmdline = "root=/dev/nfs nfsroot=/srv/%s,tcp ro";
    system.lease = NetLease{"eth0", "10.0.2.15", "10.0.2.2", ""};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(system.calls, Contains("load modules nfsv3"));
    EXPECT_THAT(system.calls, Contains("mount 10.0.2.2:/srv/10.0.2.15 nfs /root"));
    EXPECT_EQ(system.mount_data, "tcp,nolock,vers=3,addr=10.0.2.2");
    EXPECT_EQ(system.mounted_read_only, true);
}

TEST(Stage1Sequence, AnNfsRootWithoutNetworkOrServerEndsInTheShellSayingWhy) {
    FakeStage1System no_network;
    no_network.cmdline = "root=nfs:10.0.2.100:/export";
    no_network.lease = Error{"ipconfig exited with status 1: no response after 30 secs"};
    EXPECT_THAT(run(no_network), HasSubstr("the network for the NFS root: ipconfig exited"));
    EXPECT_THAT(no_network.calls, Not(Contains(HasSubstr("mount 10."))));

    FakeStage1System no_server;
    no_server.cmdline = "root=/dev/nfs nfsroot=/export";
    EXPECT_THAT(run(no_server), HasSubstr("no NFS server"));

    FakeStage1System a_name;
    a_name.cmdline = "root=nfs:fileserver:/export";
    EXPECT_THAT(run(a_name), HasSubstr("no DNS"));
    EXPECT_THAT(a_name.calls, Not(Contains("configure network")));
}

TEST(Stage1Sequence, IpOffLeavesTheNetworkAsTheKernelConfiguredIt) {
    FakeStage1System system;
    system.cmdline = "root=nfs4:10.0.2.100:/export ip=off";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(system.calls, Not(Contains("configure network")));
}

// ---- a crash kernel's boot (kdump) --------------------------------------------

TEST(Stage1Sequence, ACrashKernelCapturesOnTheRootMountedWritableThenDoesTheAction) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda ro irqpoll fastinit.kdump fastinit.kdump_timeout=90s";
    system.vmcore = true;
    system.capture_outcome.action = KdumpAction::poweroff;
    system.capture_outcome.result.record_written = true;
    EXPECT_EQ(run(system), "end capture: poweroff");
    EXPECT_THAT(system.calls,
                ElementsAre("mount pseudo-filesystems", "read cmdline", "deadline 1min 30s",
                            "start bring-up /dev/vda", "wait for /dev/vda", "load fs ext4",
                            "mount /dev/vda ext4 /root", "capture /root"));
    EXPECT_TRUE(system.execs.empty()) << "a crash kernel boots nothing";
    EXPECT_EQ(system.mounted_read_only, false) << "ro on the command line, rw for the dump";
}

TEST(Stage1Sequence, ProcVmcoreAloneMeansACrashKernelWithTheDefaultDeadline) {
    FakeStage1System system;
    system.vmcore = true;
    EXPECT_EQ(run(system), "end capture: reboot");
    EXPECT_THAT(system.calls, Contains("deadline 10min 0s"));
    EXPECT_THAT(system.calls, Contains("capture /root"));
}

TEST(Stage1Sequence, FastinitKdumpWithoutAVmcoreBootsAsUsualNeverALoopOfCaptures) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda ro fastinit.kdump";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(system.calls, Not(Contains("capture /root")));
    EXPECT_EQ(system.mounted_read_only, true);
}

TEST(Stage1Sequence, ACrashKernelThatCannotReachItsRootRebootsInsteadOfWaitingInAShell) {
    FakeStage1System bad_root;
    bad_root.vmcore = true;
    bad_root.cmdline = "root=vda fastinit.kdump";
    EXPECT_EQ(run(bad_root), "end capture: reboot");

    FakeStage1System no_root;
    no_root.vmcore = true;
    no_root.cmdline = "root=/dev/vda fastinit.kdump";
    no_root.root = Error{"no /dev/vda after 30 s", ETIMEDOUT};
    EXPECT_EQ(run(no_root), "end capture: reboot");
    EXPECT_THAT(no_root.calls, Not(Contains("capture /root")));

    FakeStage1System unmountable;
    unmountable.vmcore = true;
    unmountable.cmdline = "root=/dev/vda fastinit.kdump";
    unmountable.mounted = Error{"bad superblock", EINVAL};
    EXPECT_EQ(run(unmountable), "end capture: reboot");
}

TEST(Stage1Sequence, NoRootOrABadRootIsAnEmergencyBeforeAnyDeviceWork) {
    FakeStage1System none;
    none.cmdline = "quiet";
    EXPECT_THAT(run(none), HasSubstr("emergency: no root= on the kernel command line"));
    EXPECT_THAT(none.calls, ElementsAre("mount pseudo-filesystems", "read cmdline"));

    FakeStage1System bad;
    bad.cmdline = "root=vda";
    EXPECT_THAT(run(bad), HasSubstr("emergency: root=vda is not understood"));

    FakeStage1System timeout;
    timeout.cmdline = "root=/dev/vda fastinit.root_timeout=soon";
    EXPECT_THAT(run(timeout), HasSubstr("emergency: fastinit.root_timeout: "));
}

TEST(Stage1Sequence, ABringUpThatThrowsDoesNotEndTheBoot) {
    FakeStage1System system;
    system.start_throws = true;
    system.finish_throws = true;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    InitrdReport report = written_report(system);
    EXPECT_EQ(report.devices.mode, "none");
    EXPECT_EQ(report.devices.modules_loaded, 0);
}

TEST(Stage1Sequence, ABringUpThatFailsIsRecordedAsNone) {
    FakeStage1System system;
    system.report = Error{"cannot enumerate devices", 0};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    InitrdReport report = written_report(system);
    EXPECT_EQ(report.devices.mode, "none");
    EXPECT_EQ(report.devices.reason, "cannot enumerate devices");
}

TEST(Stage1Sequence, ARootThatDoesNotAppearIsAnEmergency) {
    FakeStage1System system;
    system.root = Error{"root device /dev/vda did not appear", 0};
    EXPECT_EQ(run(system), "emergency: root device /dev/vda did not appear");
    EXPECT_EQ(system.calls.back(), "wait for /dev/vda");
}

TEST(Stage1Sequence, AFilesystemModuleThatFailsIsAWarningAndTheMountIsTried) {
    FakeStage1System system;
    system.fs_loaded = Error{"no module provides fs-ext4", 0};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(system.calls, ::testing::Contains("mount /dev/vda ext4 /root"));

    FakeStage1System known;
    known.fs_available = true;
    EXPECT_EQ(run(known), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(known.calls, ::testing::Not(::testing::Contains("load fs ext4")));
}

TEST(Stage1Sequence, TheFilesystemTypeComesFromRootfstypeThenTheLookupThenDetection) {
    FakeStage1System detected;
    detected.root = RootDevice{"/dev/vda", ""};
    run(detected);
    EXPECT_THAT(detected.calls, ::testing::Contains("mount /dev/vda xfs /root"));
    FakeStage1System given;
    given.cmdline = "root=/dev/vda rootfstype=btrfs";
    run(given);
    EXPECT_THAT(given.calls, ::testing::Contains("mount /dev/vda btrfs /root"));
}

TEST(Stage1Sequence, AMountThatFailsIsAnEmergency) {
    FakeStage1System system;
    system.mounted = Error{"cannot mount /dev/vda: Invalid argument", EINVAL};
    EXPECT_EQ(run(system), "emergency: cannot mount /dev/vda: Invalid argument");
}

TEST(Stage1Sequence, ARootWithoutAnInitIsAnEmergencyNamingTheCandidates) {
    FakeStage1System system;
    system.files.clear();
    system.cmdline = "root=/dev/vda fastinit.handoff=/bin/mine";
    EXPECT_EQ(run(system),
              "emergency: the root filesystem has no init (tried /bin/mine, /sbin/init, "
              "/usr/sbin/fastinit, /sbin/fastinit)");
    EXPECT_THAT(system.calls, ::testing::Not(::testing::Contains("switch root /root")));
}

TEST(Stage1Sequence, TheHandoffComesFirstAndAnotherInitGetsNoModules) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda fastinit.handoff=/bin/mine";
    system.files["/bin/mine"] = true;
    system.executable = {"/bin/mine"};
    EXPECT_EQ(run(system), "exec /bin/mine");
    EXPECT_FALSE(system.hand_over);
}

TEST(Stage1Sequence, InitOnTheCommandLineIsHonouredLikeTheHandoff) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda ro init=/lib/systemd/systemd";
    system.files["/lib/systemd/systemd"] = true;
    system.executable = {"/lib/systemd/systemd"};
    EXPECT_EQ(run(system), "exec /lib/systemd/systemd");
    EXPECT_FALSE(system.hand_over);
}

// Installing fastinit beside systemd (the Debian package) changes no boot
// that does not ask for it: /sbin/init stays the next init.
TEST(Stage1Sequence, TheRootsSbinInitComesBeforeAFastinitInstalledBesideIt) {
    FakeStage1System system;
    system.files["/sbin/init"] = true;
    system.executable = {"/sbin/init", "/usr/sbin/fastinit-manager", "/usr/sbin/fastinit"};
    EXPECT_EQ(run(system), "exec /sbin/init");
    EXPECT_FALSE(system.hand_over);
    FakeStage1System asked;
    asked.cmdline = "root=/dev/vda init=/usr/sbin/fastinit";
    asked.files["/sbin/init"] = true;
    asked.executable = {"/sbin/init", "/usr/sbin/fastinit-manager", "/usr/sbin/fastinit"};
    EXPECT_EQ(run(asked), "exec /usr/sbin/fastinit-manager");
}

TEST(Stage1Sequence, FastinitHandoffWinsOverInit) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda init=/lib/systemd/systemd fastinit.handoff=/bin/mine";
    system.files["/lib/systemd/systemd"] = true;
    system.files["/bin/mine"] = true;
    system.executable = {"/lib/systemd/systemd", "/bin/mine"};
    EXPECT_EQ(run(system), "exec /bin/mine");
}

TEST(Stage1Sequence, ASwitchRootThatFailsIsAnEmergency) {
    FakeStage1System system;
    system.switched = Error{"cannot move /dev: Invalid argument", EINVAL};
    EXPECT_EQ(run(system), "emergency: cannot move /dev: Invalid argument");
    EXPECT_THAT(system.execs, IsEmpty());
}

TEST(Stage1Sequence, AManagerThatWillNotRunFallsBackToFastinitThenToAnEmergency) {
    FakeStage1System fallback;
    fallback.executable = {"/usr/sbin/fastinit"};
    EXPECT_EQ(run(fallback), "exec /usr/sbin/fastinit");
    EXPECT_EQ(fallback.execs.size(), 2u);

    FakeStage1System neither;
    neither.executable.clear();
    EXPECT_EQ(run(neither), "emergency: cannot execute /usr/sbin/fastinit: Exec format error");
    EXPECT_EQ(neither.execs.size(), 2u);
}

TEST(Stage1Sequence, ACacheTooBigIsNotHandedOverAndTheBootGoesOn) {
    FakeStage1System system;
    system.cache = Error{"/var/lib/fastinit/devices.db is larger than 16777216 bytes", EFBIG};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_FALSE(system.written.contains(paths::kHandedOverCache));
    EXPECT_TRUE(system.written.contains(paths::kInitrdReport));
}

TEST(Stage1Sequence, TheCacheChosenOnTheCommandLineIsUsedAndHandedOver) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda fastinit.device_cache=/etc/mine.db";
    run(system);
    EXPECT_EQ(system.cache_path, "/etc/mine.db");
    EXPECT_THAT(system.calls, ::testing::Contains("read cache /etc/mine.db"));
    EXPECT_EQ(system.written[paths::kHandedOverCache], "the cache");
}

TEST(Stage1Sequence, ReprobeFollowsTheOneBooleanRule) {
    for (auto [cmdline, expected] :
         std::vector<std::pair<std::string, bool>>{{"root=/dev/vda", false},
                                                   {"root=/dev/vda fastinit.reprobe", true},
                                                   {"root=/dev/vda fastinit.reprobe=1", true},
                                                   {"root=/dev/vda fastinit.reprobe=0", false},
                                                   {"root=/dev/vda fastinit.reprobe=off", false}}) {
        FakeStage1System system;
        system.cmdline = cmdline;
        run(system);
        EXPECT_EQ(system.reprobe, expected) << cmdline;
    }
}

TEST(Stage1Sequence, ModulesLeftBehindAreCountedWhenTheyAreIn) {
    FakeStage1System system;
    system.report->left_behind = 3;
    system.report->root_first = {"virtio_blk", "ext4"};
    ApplyReport whole = *system.report;
    whole.modules.resize(5);
    for (auto& module : whole.modules)
        module.status = LoadStatus::loaded;
    whole.check_us = 100;
    whole.load_us = 400;
    system.finished.report = whole;
    run(system);
    InitrdReport report = written_report(system);
    EXPECT_EQ(report.devices.modules_loaded, 5);
    EXPECT_EQ(report.devices.left_for_the_real_root, 0);
    ASSERT_TRUE(report.devices.all_loaded_us.has_value());
    EXPECT_EQ(*report.devices.all_loaded_us, report.devices.start_us + 500);
    EXPECT_THAT(report.devices.root_first, ElementsAre("virtio_blk", "ext4"));

    FakeStage1System left;
    left.finished.left_for_the_real_root = 3;
    run(left);
    EXPECT_FALSE(written_report(left).devices.all_loaded_us.has_value());
    EXPECT_EQ(written_report(left).devices.left_for_the_real_root, 3);
}

// ---- the root's storage layers (boot/root_layers.h) -------------------------

// The calls between the bring-up and the mount.
std::vector<std::string> layer_calls(const FakeStage1System& system) {
    std::vector<std::string> out;
    bool on = false;
    for (const std::string& call : system.calls) {
        if (call.starts_with("mount /"))
            break;
        if (on)
            out.push_back(call);
        on = on || call.starts_with("start bring-up");
    }
    return out;
}

TEST(Stage1Layers, AnImageWithoutToolsWaitsForItsRootAsAlways) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/vg-root";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system), ElementsAre("wait for /dev/mapper/vg-root", "load fs ext4"));
}

TEST(Stage1Layers, APlainRootFoundWithinTheGraceAssemblesNothing) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"md", "lvm"};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system), ElementsAre("wait briefly for LABEL=root", "load fs ext4"));
}

TEST(Stage1Layers, ARootNotThereAfterTheGraceAssemblesEveryKindThenWaits) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"md", "lvm"};
    system.root_needs_layers = true;
    system.md_arrays = std::vector<MdArrayState>{{"md0", "raid1", true, 1, 2}};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(
        layer_calls(system),
        ElementsAre("wait briefly for LABEL=root", "load modules md_mod", "assemble md",
                    "load modules dm_mod", "activate lvm", "wait for LABEL=root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("md0: degraded, 1 of 2 devices"));
    EXPECT_THAT(logs.text(), HasSubstr("root=LABEL=root was not there after 2s"));
}

TEST(Stage1Layers, ARootNamingAnAssembledNodeAssemblesAtOnce) {
    for (std::string source : {"/dev/mapper/vg-root", "/dev/md0", "/dev/vg/root", "/dev/md/r"}) {
        FakeStage1System system;
        system.cmdline = "root=" + source;
        system.tools = {"lvm"};
        system.root_needs_layers = true;
        EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager") << source;
        EXPECT_THAT(layer_calls(system), ElementsAre("load modules dm_mod", "activate lvm",
                                                     "wait for " + source, "load fs ext4"))
            << source;
    }
}

TEST(Stage1Layers, ACacheHitAssemblesTheRecordedLayersAtOnceWithTheirModulesOnly) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"md", "lvm"};
    system.root_needs_layers = true;
    system.report->cached_root = {
        "LABEL=root",
        {"virtio_pci", "virtio_blk"},
        "ext4",
        "/dev/dm-0",
        {{"md", "md0", {"md_mod", "raid1"}}, {"lvm", "dm-0", {"dm_mod"}}}};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre("load modules md_mod raid1", "assemble md", "load modules dm_mod",
                            "activate lvm", "wait for LABEL=root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("the device cache's root record"));
}

TEST(Stage1Layers, ARecordForAnotherRootIsNotUsed) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=other";
    system.tools = {"lvm"};
    system.report->cached_root = {
        "LABEL=root", {}, "ext4", "/dev/dm-0", {{"lvm", "dm-0", {"dm_mod"}}}};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system), ElementsAre("wait briefly for LABEL=other", "load fs ext4"));
}

TEST(Stage1Layers, ARecordedLayerWithoutItsToolIsSaidAndTheRestStillTried) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"lvm"};
    system.report->cached_root = {
        "LABEL=root",
        {},
        "ext4",
        "/dev/dm-0",
        {{"md", "md0", {"md_mod", "raid1"}}, {"lvm", "dm-0", {"dm_mod"}}}};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system), ElementsAre("load modules dm_mod", "activate lvm",
                                                 "wait for LABEL=root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("the root is on md, but this initramfs has no tool"));
}

TEST(Stage1Layers, FailuresAreSaidAndTheBootGoesOnToTheRootsWait) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/vg-root";
    system.tools = {"md", "lvm"};
    system.modules_loaded = Error{"not loaded: raid456 (No such device)"};
    system.md_arrays = Error{"mdadm exited with status 1: mdadm: No arrays found"};
    system.lvm_activated = Error{"lvm vgchange exited with status 5: Volume group not found"};
    system.root = Error{"no root /dev/mapper/vg-root within 30s (block devices: vda)"};
    LogCapture logs;
    EXPECT_EQ(run(system),
              "emergency: no root /dev/mapper/vg-root within 30s (block devices: vda)");
    EXPECT_THAT(system.calls, Contains("wait for /dev/mapper/vg-root"));
    EXPECT_THAT(logs.text(), HasSubstr("md RAID: mdadm exited with status 1: mdadm: No arrays "
                                       "found; looking for the root anyway"));
    EXPECT_THAT(logs.text(), HasSubstr("LVM: lvm vgchange exited with status 5"));
    EXPECT_THAT(logs.text(), HasSubstr("md modules: not loaded: raid456"));
}

TEST(RootLayers, MdstatIsReadForLevelsAndDeviceCounts) {
    std::string mdstat =
        "Personalities : [raid1] [raid0]\n"
        "md0 : active (auto-read-only) raid1 vda[0]\n"
        "      8380416 blocks super 1.2 [2/1] [U_]\n"
        "\n"
        "md1 : active raid1 vdc[1] vdb[0]\n"
        "      1047552 blocks super 1.2 [2/2] [UU]\n"
        "\n"
        "md2 : inactive vdd[0](S)\n"
        "      1047552 blocks super 1.2\n"
        "\n"
        "md3 : active raid0 vde[0] vdf[1]\n"
        "      2095104 blocks super 1.2 512k chunks\n"
        "\n"
        "unused devices: <none>\n";
    auto arrays = parse_mdstat(mdstat);
    EXPECT_EQ(arrays, (std::vector<MdArrayState>{{"md0", "raid1", true, 1, 2},
                                                 {"md1", "raid1", true, 2, 2},
                                                 {"md2", "", false, 0, 0},
                                                 {"md3", "raid0", true, 0, 0}}));
    ASSERT_EQ(arrays.size(), 4u);
    EXPECT_EQ(describe_md_array(arrays[0]), "md0: degraded, 1 of 2 devices");
    EXPECT_EQ(describe_md_array(arrays[1]), "md1: raid1, 2 of 2 devices");
    EXPECT_EQ(describe_md_array(arrays[2]), "md2: inactive (not enough devices to start it)");
    EXPECT_EQ(describe_md_array(arrays[3]), "md3: raid0");
}

// ---- LUKS (boot/luks.h) ------------------------------------------------------

const char* const kLuksModuleLoad =
    "load modules dm_mod dm_crypt xts ecb aesni_intel aes_generic cbc essiv af_alg "
    "algif_skcipher";

// A root on the mapping "root", the image able to open LUKS, with crypttab
// `crypttab` and its UUID=11 found at /dev/vdb.
void set_up_luks_root(FakeStage1System& system, const std::string& crypttab) {
    system.cmdline = "root=/dev/mapper/root";
    system.tools = {"luks"};
    system.root_needs_layers = true;
    system.crypttab_text = crypttab;
    system.luks_nodes["UUID=11"] = "/dev/vdb";
}

TEST(Stage1Luks, AWrongPassphraseThenTheRightOneOpensTheRoot) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 none\n");
    system.typed = {"wrong", "sesame"};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find UUID=11",
                            "ask Please enter passphrase for disk root (UUID=11): ",
                            "open /dev/vdb as root with passphrase wrong",
                            "ask Please enter passphrase for disk root (UUID=11): ",
                            "open /dev/vdb as root with passphrase sesame",
                            "wait for /dev/mapper/root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("wrong passphrase (try 1 of 3)"));
    EXPECT_THAT(logs.text(), HasSubstr("opened /dev/vdb as /dev/mapper/root"));
}

TEST(Stage1Luks, ThreeWrongPassphrasesGiveUpOnThatDevice) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 none\n");
    system.typed = {"a", "b", "c", "sesame"};
    LogCapture logs;
    EXPECT_THAT(run(system), HasSubstr("emergency: no root /dev/mapper/root"));
    EXPECT_EQ(system.typed, std::vector<std::string>{"sesame"});
    EXPECT_THAT(logs.text(), HasSubstr("root: wrong passphrase, 3 times"));
}

TEST(Stage1Luks, OnePassphraseIsTriedOnTheNextDeviceFirst) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/vg-root";
    system.tools = {"luks", "lvm"};
    system.root_needs_layers = true;
    system.crypttab_text = "a UUID=11 none\nb UUID=22 none\n";
    system.luks_nodes = {{"UUID=11", "/dev/vdb"}, {"UUID=22", "/dev/vdc"}};
    system.typed = {"sesame"};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find UUID=11",
                            "ask Please enter passphrase for disk a (UUID=11): ",
                            "open /dev/vdb as a with passphrase sesame", "find UUID=22",
                            "open /dev/vdc as b with passphrase sesame", "load modules dm_mod",
                            "activate lvm", "wait for /dev/mapper/vg-root", "load fs ext4"));
}

TEST(Stage1Luks, AKeyfileOpensWithoutAQuestion) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/root";
    system.tools = {"luks"};
    system.root_needs_layers = true;
    system.right_key = "/etc/keys/root.key";
    system.crypttab_text = "root /dev/vdb /etc/keys/root.key\n";
    system.luks_nodes["/dev/vdb"] = "/dev/vdb";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find /dev/vdb",
                            "open /dev/vdb as root with keyfile /etc/keys/root.key",
                            "wait for /dev/mapper/root", "load fs ext4"));
}

TEST(Stage1Luks, ATpm2EntryOpensWithTheTpmWithoutAQuestion) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 - tpm2-device=auto,discard\n");
    system.tpm2_opens = {};
    system.typed = {"sesame"};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find UUID=11", "tpm2 /dev/vdb as root",
                            "wait for /dev/mapper/root", "load fs ext4"));
    EXPECT_EQ(system.typed, std::vector<std::string>{"sesame"});
}

TEST(Stage1Luks, WhenTheTpmDoesNotOpenItThePassphraseIsAsked) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 - tpm2-device=auto\n");
    system.typed = {"sesame"};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find UUID=11", "tpm2 /dev/vdb as root",
                            "ask Please enter passphrase for disk root (UUID=11): ",
                            "open /dev/vdb as root with passphrase sesame",
                            "wait for /dev/mapper/root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("LUKS root: the TPM2 did not open it (systemd-cryptsetup "
                                       "exited with status 1); asking for the passphrase"));
}

TEST(Stage1Luks, AnImageWithoutSystemdCryptsetupSaysSoAndAsks) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 - tpm2-device=auto\n");
    system.tpm2_opens = Error{"the image has no systemd-cryptsetup", ENOENT};
    system.typed = {"sesame"};
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "find UUID=11", "tpm2 /dev/vdb as root",
                            "ask Please enter passphrase for disk root (UUID=11): ",
                            "open /dev/vdb as root with passphrase sesame",
                            "wait for /dev/mapper/root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("asks for the TPM2, but the image has no "
                                       "systemd-cryptsetup"));
}

TEST(Stage1Luks, AnEntryWithoutTpm2NeverTriesTheTpm) {
    FakeStage1System system;
    set_up_luks_root(system, "root UUID=11 - tpm2-pcrs=7\n");
    system.tpm2_opens = {};
    system.typed = {"sesame"};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    for (const std::string& call : system.calls)
        EXPECT_FALSE(call.starts_with("tpm2 ")) << call;
}

TEST(Stage1Luks, RdLuksZeroOpensNothing) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/root rd.luks=0";
    system.tools = {"luks"};
    system.crypttab_text = "root UUID=11 none\n";
    system.luks_nodes["UUID=11"] = "/dev/vdb";
    LogCapture logs;
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre(kLuksModuleLoad, "wait for /dev/mapper/root", "load fs ext4"));
    EXPECT_THAT(logs.text(), HasSubstr("LUKS: rd.luks=0, no device opened"));
}

TEST(Stage1Luks, WithoutConfigurationEveryLuksDeviceFoundIsOpened) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"md", "luks", "lvm"};
    system.root_needs_layers = true;
    system.luks_found = {{"/dev/vdb", "0b6d-11"}};
    system.luks_nodes["/dev/vdb"] = "/dev/vdb";
    system.typed = {"sesame"};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(
        layer_calls(system),
        ElementsAre("wait briefly for LABEL=root", "load modules md_mod", "assemble md",
                    kLuksModuleLoad, "scan luks", "find /dev/vdb",
                    "ask Please enter passphrase for disk luks-0b6d-11 (/dev/vdb): ",
                    "open /dev/vdb as luks-0b6d-11 with passphrase sesame", "load modules dm_mod",
                    "activate lvm", "wait for LABEL=root", "load fs ext4"));
}

// LUKS on RAID: the record's order (md, then luks), its modules only, and
// only its mapping opened, found by its UUID without a scan.
TEST(Stage1Luks, ACacheHitOpensTheRecordedMappingInTheRecordedOrder) {
    FakeStage1System system;
    system.cmdline = "root=LABEL=root";
    system.tools = {"md", "luks", "lvm"};
    system.root_needs_layers = true;
    system.luks_nodes["UUID=0b6d-11"] = "/dev/md0";
    system.typed = {"sesame"};
    system.report->cached_root = {"LABEL=root",
                                  {"virtio_pci", "virtio_blk"},
                                  "ext4",
                                  "/dev/dm-0",
                                  {{"md", "md0", {"md_mod", "raid1"}},
                                   {"luks", "luks-0b6d-11", {"dm_mod", "dm_crypt", "xts"}}}};
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(layer_calls(system),
                ElementsAre("load modules md_mod raid1", "assemble md",
                            "load modules dm_mod dm_crypt xts", "find UUID=0b6d-11",
                            "ask Please enter passphrase for disk luks-0b6d-11 (UUID=0b6d-11): ",
                            "open /dev/md0 as luks-0b6d-11 with passphrase sesame",
                            "wait for LABEL=root", "load fs ext4"));
}

TEST(RootLayers, NodesOnlyAssemblyMakes) {
    for (const char* yes :
         {"/dev/mapper/vg-root", "/dev/md0", "/dev/md/root", "/dev/dm-3", "/dev/vg0/root"})
        EXPECT_TRUE(names_a_layer_node(yes)) << yes;
    for (const char* no : {"/dev/vda", "/dev/sda2", "/dev/disk/by-uuid/x", "LABEL=x", "UUID=y",
                           "/dev/nvme0n1p2", "/dev/block/8:0"})
        EXPECT_FALSE(names_a_layer_node(no)) << no;
}

}  // namespace
}  // namespace fastinit

namespace fastinit {
namespace {

// ---- hibernation (resume=) ------------------------------------------------------

// The calls from `first` to `last` (both included), or nothing when either
// is missing: the part of a run a test is about.
std::vector<std::string> calls_between(const FakeStage1System& system, const std::string& first,
                                       const std::string& last) {
    auto begin = std::find(system.calls.begin(), system.calls.end(), first);
    auto end = std::find(begin, system.calls.end(), last);
    if (begin == system.calls.end() || end == system.calls.end())
        return {};
    return std::vector<std::string>(begin, end + 1);
}

TEST(Stage1Resume, TheOffsetThenTheDeviceNumberAreWrittenBeforeTheRootIsLookedFor) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda ro resume=UUID=swap-1 resume_offset=34816";
    system.other_devices.insert_or_assign("UUID=swap-1", RootDevice{"/dev/vdb", "swap"});
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager") << "no image: the boot goes on";
    EXPECT_THAT(calls_between(system, "start bring-up /dev/vda", "mount /dev/vda ext4 /root"),
                ElementsAre("start bring-up /dev/vda", "wait for UUID=swap-1",
                            "power resume_offset 34816", "power resume 254:16", "wait for /dev/vda",
                            "load fs ext4", "mount /dev/vda ext4 /root"));
}

TEST(Stage1Resume, WithAnImageTheKernelResumesAndNothingTouchesTheRoot) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda ro resume=/dev/vdb";
    system.other_devices.insert_or_assign("/dev/vdb", RootDevice{"/dev/vdb", ""});
    system.hibernation_image = true;
    system.fsck_tools["ext4"] = "/usr/sbin/fsck.ext4";
    EXPECT_EQ(run(system), "resumed");
    EXPECT_EQ(system.calls.back(), "power resume 254:16");
    for (const std::string& call : system.calls) {
        EXPECT_THAT(call, Not(HasSubstr("fsck")));
        EXPECT_THAT(call, Not(HasSubstr("mount /dev")));
    }
}

TEST(Stage1Resume, ADeviceNumberIsWrittenAsGivenWithoutWaiting) {
    FakeStage1System system;
    system.cmdline = "root=/dev/vda resume=8:2";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(system.calls, Contains("power resume 8:2"));
    EXPECT_THAT(system.calls, Not(Contains("wait for 8:2")));
}

TEST(Stage1Resume, ASwapOnLvmIsLookedForAfterTheLayersAreAssembled) {
    FakeStage1System system;
    system.cmdline = "root=/dev/mapper/vg-root resume=/dev/mapper/vg-swap";
    system.tools = {"lvm"};
    system.root_needs_layers = true;  // the swap too: both are volumes
    system.root = RootDevice{"/dev/mapper/vg-root", "ext4"};
    system.other_devices.insert_or_assign("/dev/mapper/vg-swap", RootDevice{"/dev/dm-1", ""});
    system.device_numbers["/dev/dm-1"] = "253:1";
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    auto lvm = std::find(system.calls.begin(), system.calls.end(), "activate lvm");
    auto resume = std::find(system.calls.begin(), system.calls.end(), "power resume 253:1");
    ASSERT_NE(lvm, system.calls.end());
    ASSERT_NE(resume, system.calls.end());
    EXPECT_LT(lvm, resume);
}

TEST(Stage1Resume, AMissingDeviceOrAnyTroubleIsAWarningAndTheBootGoesOn) {
    LogCapture log;
    FakeStage1System missing;
    missing.cmdline = "root=/dev/vda resume=UUID=gone";
    missing.other_devices.insert_or_assign("UUID=gone", Error{"not there", ETIMEDOUT});
    EXPECT_EQ(run(missing), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(log.text(), HasSubstr("resume device UUID=gone did not appear within 5s"));

    FakeStage1System no_kernel_support;  // no /sys/power/resume
    no_kernel_support.cmdline = "root=/dev/vda resume=/dev/vdb";
    no_kernel_support.other_devices.insert_or_assign("/dev/vdb", RootDevice{"/dev/vdb", ""});
    no_kernel_support.power_written = Error{"cannot open /sys/power/resume", ENOENT};
    EXPECT_EQ(run(no_kernel_support), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(log.text(), HasSubstr("cannot resume from /dev/vdb"));

    FakeStage1System bad_offset;
    bad_offset.cmdline = "root=/dev/vda resume=/dev/vdb resume_offset=12k";
    EXPECT_EQ(run(bad_offset), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(log.text(), HasSubstr("resume_offset=12k is not a number"));
    for (const std::string& call : bad_offset.calls)
        EXPECT_THAT(call, Not(HasSubstr("power")));
}

TEST(Stage1Resume, TheImagesDefaultIsUsedWhenTheCommandLineNamesNone) {
    FakeStage1System by_default;
    by_default.cmdline = "root=/dev/vda resume_offset=8";
    by_default.resume_default = "UUID=swap-1";
    by_default.other_devices.insert_or_assign("UUID=swap-1", RootDevice{"/dev/vdb", "swap"});
    EXPECT_EQ(run(by_default), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(by_default.calls, Contains("power resume_offset 8"));
    EXPECT_THAT(by_default.calls, Contains("power resume 254:16"));

    FakeStage1System overridden;
    overridden.cmdline = "root=/dev/vda resume=8:3";
    overridden.resume_default = "UUID=swap-1";
    EXPECT_EQ(run(overridden), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(overridden.calls, Contains("power resume 8:3"));
    EXPECT_THAT(overridden.calls, Not(Contains("wait for UUID=swap-1")));

    FakeStage1System noresume;
    noresume.cmdline = "root=/dev/vda noresume";
    noresume.resume_default = "UUID=swap-1";
    EXPECT_EQ(run(noresume), "exec /usr/sbin/fastinit-manager");
    for (const std::string& call : noresume.calls)
        EXPECT_THAT(call, Not(HasSubstr("power")));
}

TEST(Stage1Resume, NoresumeAndACrashKernelNeverResume) {
    FakeStage1System noresume;
    noresume.cmdline = "root=/dev/vda noresume resume=/dev/vdb";
    noresume.hibernation_image = true;
    EXPECT_EQ(run(noresume), "exec /usr/sbin/fastinit-manager");

    FakeStage1System crash;
    crash.cmdline = "root=/dev/vda resume=/dev/vdb fastinit.kdump";
    crash.vmcore = true;
    crash.hibernation_image = true;
    crash.fsck_tools["ext4"] = "/usr/sbin/fsck.ext4";
    EXPECT_EQ(run(crash), "end capture: reboot");
    for (const FakeStage1System* system : {&noresume, &crash})
        for (const std::string& call : system->calls) {
            EXPECT_THAT(call, Not(HasSubstr("power")));
            EXPECT_THAT(call, Not(HasSubstr("fsck"))) << "a crash kernel saves, it does not repair";
        }
}

// ---- the root's check -------------------------------------------------------------

FakeStage1System with_fsck(const std::string& cmdline, int status) {
    FakeStage1System system;
    system.cmdline = cmdline;
    system.fsck_tools["ext4"] = "/usr/sbin/fsck.ext4";
    system.fsck_run = ToolRun{status, "/dev/vda: some words\n/dev/vda: the last words\n"};
    return system;
}

TEST(Stage1Fsck, ACleanRootIsCheckedBeforeItIsMountedAndMarkedForTheManager) {
    FakeStage1System system = with_fsck("root=/dev/vda ro", 0);
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(calls_between(system, "load fs ext4", "mount /dev/vda ext4 /root"),
                ElementsAre("load fs ext4", "fsck /usr/sbin/fsck.ext4 -a /dev/vda within 15min 0s",
                            "write /run/fastinit/fsck-root", "mount /dev/vda ext4 /root"));
    EXPECT_EQ(system.written[paths::kRootFsckDone], "clean\n");
    InitrdReport report = written_report(system);
    EXPECT_EQ(report.root.fsck.result, "clean");
    EXPECT_EQ(report.root.fsck.status, 0);
    EXPECT_EQ(report.root.fsck.tool, "/usr/sbin/fsck.ext4");
    EXPECT_GT(report.root.fsck.end_us, report.root.fsck.start_us);
    EXPECT_LT(report.root.fsck.end_us, report.root.mounted_us);
}

TEST(Stage1Fsck, CorrectedErrorsAreLoggedAndTheBootGoesOn) {
    LogCapture log;
    FakeStage1System system = with_fsck("root=/dev/vda ro", 1);
    EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager");
    EXPECT_THAT(log.text(),
                HasSubstr("fsck corrected errors (status 1): /dev/vda: the last words"));
    EXPECT_EQ(written_report(system).root.fsck.result, "fixed");
    EXPECT_EQ(system.written[paths::kRootFsckDone], "fixed\n");
}

TEST(Stage1Fsck, ARepairThatAsksForARebootRebootsBeforeTheMount) {
    for (int status : {2, 3}) {
        FakeStage1System system = with_fsck("root=/dev/vda ro", status);
        EXPECT_EQ(run(system), "reboot") << status;
        EXPECT_THAT(system.calls, Not(Contains("mount /dev/vda ext4 /root")));
    }
}

TEST(Stage1Fsck, ErrorsLeftAreAnEmergencyThatSaysHowToRepair) {
    for (int status : {4, 5, 8, 12, 16, 32, 128}) {
        FakeStage1System system = with_fsck("root=/dev/vda ro", status);
        std::string end = run(system);
        EXPECT_THAT(end, HasSubstr("emergency: fsck of the root /dev/vda: ")) << status;
        EXPECT_THAT(end, HasSubstr("(status " + std::to_string(status) + ")"));
        EXPECT_THAT(end, HasSubstr("/usr/sbin/fsck.ext4 /dev/vda"));
        EXPECT_THAT(end, HasSubstr("fsck.repair=yes"));
        EXPECT_THAT(system.calls, Not(Contains("mount /dev/vda ext4 /root")));
        EXPECT_FALSE(system.written.contains(paths::kRootFsckDone));
    }
    FakeStage1System left = with_fsck("root=/dev/vda ro", 4);
    EXPECT_THAT(run(left), HasSubstr("errors left uncorrected (status 4)"));
}

TEST(Stage1Fsck, ACheckThatCannotFinishIsAnEmergency) {
    FakeStage1System system = with_fsck("root=/dev/vda ro", 0);
    system.fsck_run =
        Error{"/usr/sbin/fsck.ext4 did not finish within 15min 0s; killed it", ETIMEDOUT};
    EXPECT_THAT(run(system), HasSubstr("emergency: the check of the root /dev/vda failed: "
                                       "/usr/sbin/fsck.ext4 did not finish"));
    EXPECT_THAT(system.calls, Not(Contains("mount /dev/vda ext4 /root")));
}

TEST(Stage1Fsck, TheModeAndRepairOptionsShapeTheCommand) {
    struct Case {
        std::string options, command;
    };
    for (const Case& c : std::vector<Case>{
             {"", "-a /dev/vda"},
             {"fsck.repair=yes", "-y /dev/vda"},
             {"fsck.repair=no", "-n /dev/vda"},
             {"fsck.mode=force", "-a -f /dev/vda"},
             {"fsck.mode=force fsck.repair=yes", "-y -f /dev/vda"},
             {"fsck.mode=auto fsck.repair=preen", "-a /dev/vda"},
             {"fsck.mode=sometimes fsck.repair=maybe", "-a /dev/vda"},
             // Not mounted yet: a root to be mounted read-write is checked too.
             {"rw", "-a /dev/vda"},
         }) {
        FakeStage1System system = with_fsck("root=/dev/vda " + c.options, 0);
        EXPECT_EQ(run(system), "exec /usr/sbin/fastinit-manager") << c.options;
        EXPECT_THAT(system.calls,
                    Contains("fsck /usr/sbin/fsck.ext4 " + c.command + " within 15min 0s"))
            << c.options;
    }
}

TEST(Stage1Fsck, SkippedWithFsckModeSkipOrWithoutACheckerAndThenLeftToTheManager) {
    LogCapture log;
    FakeStage1System skip = with_fsck("root=/dev/vda fsck.mode=skip", 0);
    EXPECT_EQ(run(skip), "exec /usr/sbin/fastinit-manager");
    EXPECT_EQ(written_report(skip).root.fsck.result, "skipped");
    EXPECT_EQ(written_report(skip).root.fsck.why, "fsck.mode=skip");

    FakeStage1System xfs = with_fsck("root=/dev/vda rootfstype=xfs", 0);
    EXPECT_EQ(run(xfs), "exec /usr/sbin/fastinit-manager");
    EXPECT_EQ(written_report(xfs).root.fsck.why, "no fsck.xfs in this initramfs");
    EXPECT_THAT(log.text(), HasSubstr("not checked in the initramfs: no fsck.xfs"));

    for (const FakeStage1System* system : {&skip, &xfs}) {
        EXPECT_FALSE(system->written.contains(paths::kRootFsckDone));
        for (const std::string& call : system->calls)
            EXPECT_THAT(call, Not(HasSubstr("fsck /usr")));
    }
}

}  // namespace
}  // namespace fastinit
