#include "initd/stage1/stage1_main.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/boot_clock.h"
#include "base/log.h"
#include "base/text.h"
#include "initd/pid1/crash_handler.h"
#include "initd/pid1/emergency.h"
#include "initd/pid1/mounts.h"
#include "initd/stage1/root_mount.h"
#include "initd/stage1/root_spec.h"
#include "initd/stage1/switch_root.h"

namespace fastinit {
namespace {

const std::string kNewRoot = "/root";
constexpr const char* kDeviceCachePath = "/var/lib/fastinit/devices.db";

// The directory of fastinit, when `path` of the root at `root` is fastinit
// under any name and its `fastinit` (whose `devices stage2` takes over
// modules) is there too; else nothing.
std::optional<std::string> fastinit_dir(const std::string& root, const std::string& path) {
    auto found = look_up_in(root, path);
    if (!found)
        return std::nullopt;
    std::string dir = found->path.substr(0, found->path.rfind('/') + 1);
    std::string name = found->path.substr(dir.size());
    if (name != "fastinit" && name != "fastinit-manager")
        return std::nullopt;
    auto tool = look_up_in(root, dir + "fastinit");
    if (!tool || !tool->executable)
        return std::nullopt;
    return dir;
}

// What to execute for the next init (in the root we switched to): when it
// is fastinit, its manager binary right away, as fastinit would do itself
// (one program less to load from a cold disk).
std::string program_for(const std::string& next) {
    auto dir = fastinit_dir("", next);
    if (!dir)
        return next;
    auto manager = look_up_in("", *dir + "fastinit-manager");
    return manager && manager->executable ? manager->path : next;
}

void write_report(const nlohmann::json& report) {
    ::mkdir("/run/fastinit", 0755);
    // Device and error names come from the kernel and the disk: dump them
    // with U+FFFD for bad bytes rather than throw in PID 1.
    auto written = write_file_atomically(
        "/run/fastinit/initrd.json",
        report.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (!written)
        log::warning(written.error().message);
}

}  // namespace

void run_stage1(int argc, char** argv, const Stage1Hooks& hooks) {
    install_crash_handler({.who = "fastinit[initrd]", .kmsg = true});
    nlohmann::json report;
    report["userspace_start_us"] = boottime_us();
    log::set_prefix("fastinit[initrd]");
    MountReport mounts = mount_pseudo_filesystems(system_mount_ops());
    log::enable_kmsg();
    for (const auto& e : mounts.errors)
        log::warning(e.message);

    auto cmdline_text = read_file("/proc/cmdline");
    KernelCmdline cmdline = KernelCmdline::parse(cmdline_text ? *cmdline_text : "");
    if (cmdline.has("fastinit.debug"))
        log::set_min_level(log::Level::debug);
    bool reprobe = cmdline.has("fastinit.reprobe");
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--reprobe") == 0)
            reprobe = true;

    auto spec = root_spec_from_cmdline(cmdline);
    if (!spec)
        emergency(spec.error().message);

    long long devices_start = boottime_us();
    DevicePhaseReport devices = hooks.device_phase(cmdline, reprobe, spec->source);
    long long devices_end = boottime_us();
    std::string behind;
    if (devices.loading_behind > 0)
        behind = "; the root's first (" + join(devices.root_first, ", ") + "), " +
                 std::to_string(devices.loading_behind) + " more later";
    log::info("devices: ", devices.mode, devices.reason.empty() ? "" : " (" + devices.reason + ")",
              ", ", devices.modules_loaded, " modules loaded, ", devices.modules_failed,
              " failed, in ", (devices_end - devices_start) / 1000.0, " ms", behind);
    // end_us: when the boot could go on to its root; all_loaded_us: when
    // the last module was in, if it was in here.
    report["devices"] = {{"mode", devices.mode},
                         {"reason", devices.reason},
                         {"modules_loaded", devices.modules_loaded},
                         {"modules_failed", devices.modules_failed},
                         {"check_us", devices.check_us},
                         {"check_parts_us",
                          {{"read_cache", devices.read_us},
                           {"enumerate", devices.enumerate_us},
                           {"fingerprint", devices.fingerprint_us}}},
                         {"root_first", devices.root_first},
                         {"start_us", devices_start},
                         {"end_us", devices_end}};

    auto found = wait_for_root_device(*spec, devices.root_hint);
    if (!found)
        emergency(found.error().message);
    const std::string device = found->node;
    long long root_found = boottime_us();
    std::string fstype = !spec->fstype.empty()    ? spec->fstype
                         : !found->fstype.empty() ? found->fstype
                                                  : detect_fstype(device);
    // Filesystems are modules that no device asks for: load the root's.
    if (!fstype.empty() && !filesystem_available(fstype)) {
        auto loaded = hooks.load_alias("fs-" + fstype);
        if (!loaded)
            log::warning("filesystem ", fstype, ": ", loaded.error().message);
    }
    long long root_ready = boottime_us();  // the devices have done their part
    auto mounted = mount_root(*spec, device, fstype, kNewRoot);
    if (!mounted)
        emergency(mounted.error().message);
    long long root_mounted = boottime_us();
    log::info("root ", device, " mounted ", spec->read_only ? "read-only" : "read-write", " after ",
              (root_mounted - report["userspace_start_us"].get<long long>()) / 1000.0,
              " ms in the initramfs");
    report["root"] = {{"device", device},
                      {"found_us", root_found},
                      {"ready_us", root_ready},
                      {"mounted_us", root_mounted}};

    std::string handoff = cmdline.value("fastinit.handoff").value_or("");
    std::vector<std::string> candidates;
    if (!handoff.empty())
        candidates.push_back(handoff);
    candidates.insert(candidates.end(), {"/usr/sbin/fastinit", "/sbin/fastinit", "/sbin/init"});
    std::string next = first_executable_in(kNewRoot, candidates);
    if (next.empty())
        emergency("the root filesystem has no init (tried " + join(candidates, ", ") + ")");

    // Before the cache is handed over: it may still change. A fastinit on
    // the real root takes over the modules not needed for the root.
    DeviceFinishReport finished =
        hooks.finish_devices(device, fstype, fastinit_dir(kNewRoot, next).has_value());
    long long devices_done = boottime_us();
    if (devices.loading_behind > 0 && finished.left_for_the_real_root == 0)
        log::info("devices: all ", finished.modules_loaded, " modules loaded, ",
                  finished.modules_failed, " failed, ", finished.loaded_after_us / 1000.0,
                  " ms after the device phase began");
    for (const std::string& note : finished.notes)
        log::info("devices: ", note);
    report["devices"]["modules_loaded"] = finished.modules_loaded;
    report["devices"]["modules_failed"] = finished.modules_failed;
    report["devices"]["left_for_the_real_root"] = finished.left_for_the_real_root;
    if (finished.left_for_the_real_root == 0)
        report["devices"]["all_loaded_us"] =
            devices.loading_behind > 0 ? devices_start + finished.loaded_after_us : devices_end;
    report["devices"]["finished_us"] = devices_done;
    // A probe in here rewrote the cache in RAM; hand it to the real root
    // through /run (moved along by switch_root), where stage 2 keeps it.
    if (auto cache = read_file(kDeviceCachePath)) {
        ::mkdir("/run/fastinit", 0755);
        auto copied = write_file_atomically(kHandedOverCachePath, *cache);
        if (!copied)
            log::warning(copied.error().message);
    }
    report["switch_root_us"] = boottime_us();
    report["next_init"] = next;
    write_report(report);

    auto switched = switch_root(kNewRoot);
    if (!switched)
        emergency(switched.error().message);
    std::string program = program_for(next);
    log::info("switched root; executing ", program);
    std::vector<char*> next_argv{const_cast<char*>(next.c_str())};
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--reprobe") != 0)
            next_argv.push_back(argv[i]);
    next_argv.push_back(nullptr);
    ::execv(program.c_str(), next_argv.data());
    if (program != next) {
        // The manager binary would not run (another architecture, a broken
        // file): fastinit itself can do its work.
        log::error(system_error("cannot execute " + program).message, "; executing ", next);
        ::execv(next.c_str(), next_argv.data());
    }
    emergency(system_error("cannot execute " + next).message);
}

}  // namespace fastinit
