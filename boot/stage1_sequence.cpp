#include "boot/stage1_sequence.h"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <optional>

#include "base/boot_options.h"
#include "base/initrd_report.h"
#include "base/kernel_cmdline.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/bring_up_summary.h"
#include "boot/luks.h"
#include "boot/root_layers.h"
#include "initd/pid1/crash_handler.h"
#include "kdump/kdump_config.h"

namespace fastinit {

namespace {

// The device bring-up works from the device cache, a file from the last
// boot. Whatever exception escapes it must not end stage 1 (PID 1: a kernel
// panic): it is logged and the boot goes on without that half's work;
// waiting for the root says what was missing.
template <typename Report, typename Half>
Report guarded(const char* what, Report fallback, Half half) {
    try {
        return half();
    } catch (const std::exception& e) {
        log::error(what, " failed (", to_valid_utf8(e.what()), "); going on without it");
    } catch (...) {
        log::error(what, " failed (an unknown exception); going on without it");
    }
    return fallback;
}

// One run of stage 1: each step a member, in the order run_stage1 calls
// them, each leaving what the later ones need.
class Stage1 {
  public:
    Stage1(Stage1System& system, std::vector<std::string> args)
        : m_system(system), m_args(std::move(args)) {}

    void mount_pseudo_filesystems() {
        m_report.userspace_start_us = m_system.now_us();
        for (const Error& e : m_system.mount_pseudo_filesystems())
            log::warning(e.message);
    }

    void read_options() {
        KernelCmdline cmdline = KernelCmdline::parse(m_system.kernel_cmdline());
        m_options = parse_boot_options(cmdline);
        if (m_options.debug)
            log::set_min_level(log::Level::debug);
        for (const std::string& arg : m_args)
            if (arg == "--reprobe")
                m_options.reprobe = true;
        m_cmdline = std::move(cmdline);
    }

    void read_root_spec() {
        auto spec = root_spec_from_cmdline(m_cmdline);
        if (!spec)
            give_up(spec.error().message);
        m_spec = *spec;
        // A crash kernel's dump goes to the root filesystem: writable.
        if (m_capturing)
            m_spec.read_only = false;
    }

    // A crash kernel's boot saves the dump instead of booting (kdump/):
    // from here on every way out ends in a reboot, never a shell that waits
    // for someone, and the deadline holds even if the kernel hangs us.
    //
    // Only with a /proc/vmcore to save: `fastinit.kdump` left on an ordinary
    // boot's command line (copied by hand, say) would otherwise turn every
    // boot into a failed capture and a reboot, a loop nobody can break.
    void enter_capture_mode() {
        if (!m_system.vmcore_present()) {
            if (m_options.kdump)
                log::warning(
                    "fastinit.kdump on the command line, but no /proc/vmcore: not a "
                    "crash kernel; booting as usual");
            return;
        }
        m_capturing = true;
        Duration timeout = m_options.kdump_timeout.value_or(KdumpConfig{}.timeout);
        m_system.arm_capture_deadline(timeout);
        log::info("crash kernel: capturing the dump (deadline ", format_duration(timeout), ")");
    }

    void start_bring_up() {
        long long start = m_system.now_us();
        // After an exception (logged as it happened): mode "none", no reason.
        Result<ApplyReport> started =
            guarded("the device phase", Result<ApplyReport>(Error{"", 0}), [&] {
                return m_system.start_bring_up(m_options.device_cache, m_options.reprobe,
                                               m_spec.source);
            });
        long long end = m_system.now_us();
        m_started = started_summary(started, m_spec.source);
        m_report.devices = m_started.devices;
        m_report.devices.start_us = start;
        m_report.devices.end_us = end;
        log_started(m_started, end - start);
    }

    // Before the root is looked for: the md arrays and LVM volumes it may
    // sit on, when boot/root_layers.h's rule says so.
    void assemble_root_layers() {
        const RootRecord* cached = m_started.root_record ? &*m_started.root_record : nullptr;
        LayerPlan plan = plan_root_layers(m_spec.source, cached, m_system.layer_tools());
        for (const std::string& kind : plan.missing_tools)
            log::error("the root is on ", kind,
                       ", but this initramfs has no tool to assemble it (rebuild it with "
                       "fastinit-mkinitramfs where that tool is installed)");
        if (plan.layers.empty())
            return;
        if (plan.after_grace) {
            RootSpec brief = m_spec;
            brief.timeout = m_spec.timeout ? std::min(*m_spec.timeout, kLayerGrace) : kLayerGrace;
            if (auto found = m_system.wait_for_root(brief, m_started.root_hint)) {
                m_found = *found;
                return;
            }
        }
        long long start = m_system.now_us();
        std::vector<std::string> kinds;
        for (const RootLayer& layer : plan.layers)
            if (std::find(kinds.begin(), kinds.end(), layer.kind) == kinds.end())
                kinds.push_back(layer.kind);
        log::info("assembling the root's storage layers (", join(kinds, ", "), "): ", plan.why);
        std::vector<std::string> done;
        for (const RootLayer& layer : plan.layers) {
            if (std::find(done.begin(), done.end(), layer.kind) != done.end())
                continue;  // one run of a tool assembles every layer of its kind
            for (const RootLayer& same : plan.layers)
                if (same.kind == layer.kind && !same.modules.empty())
                    if (auto loaded = m_system.load_modules(same.modules); !loaded)
                        log::warning(layer.kind, " modules: ", loaded.error().message);
            std::vector<std::string> names;
            if (plan.why == kFromTheRecord)
                for (const RootLayer& same : plan.layers)
                    if (same.kind == layer.kind)
                        names.push_back(same.name);
            assemble(layer.kind, names);
            done.push_back(layer.kind);
        }
        log::info("storage layers done in ", (m_system.now_us() - start) / 1000.0, " ms");
    }

    void find_root() {
        auto found = m_found ? Result<RootDevice>(*m_found)
                             : m_system.wait_for_root(m_spec, m_started.root_hint);
        if (!found)
            give_up(found.error().message);
        m_device = found->node;
        m_report.root.device = m_device;
        m_report.root.found_us = m_system.now_us();
        m_fstype = !m_spec.fstype.empty()   ? m_spec.fstype
                   : !found->fstype.empty() ? found->fstype
                                            : m_system.detect_fstype(m_device);
    }

    // Filesystems are modules that no device asks for: load the root's.
    void load_root_filesystem() {
        if (!m_fstype.empty() && !m_system.filesystem_available(m_fstype)) {
            auto loaded = m_system.load_filesystem(m_fstype);
            if (!loaded)
                log::warning("filesystem ", m_fstype, ": ", loaded.error().message);
        }
        m_report.root.ready_us = m_system.now_us();  // the devices have done their part
    }

    void mount_root() {
        auto mounted = m_system.mount_root(m_spec, m_device, m_fstype, paths::kNewRoot);
        if (!mounted)
            give_up(mounted.error().message);
        m_report.root.mounted_us = m_system.now_us();
        log::info("root ", m_device, " mounted ", m_spec.read_only ? "read-only" : "read-write",
                  " after ", (m_report.root.mounted_us - m_report.userspace_start_us) / 1000.0,
                  " ms in the initramfs");
    }

    // The capture, then the configured action: this boot goes no further.
    void capture_if_crashed() {
        if (!m_capturing)
            return;
        CaptureOutcome outcome = m_system.capture_dump(paths::kNewRoot);
        if (outcome.config_error)
            log::warning("kdump configuration: ", outcome.config_error->message,
                         "; capturing with the defaults");
        const CaptureResult& result = outcome.result;
        for (const std::string& problem : result.record.problems)
            log::warning("crash capture: ", problem);
        if (result.record_written)
            log::info("crash dump saved in ", result.directory, " (", result.record.method, ", ",
                      result.record.vmcore_bytes, " bytes) in ", result.record.seconds, " s; then ",
                      to_string(outcome.action));
        else
            log::error("the crash dump could not be saved completely; then ",
                       to_string(outcome.action));
        m_system.end_capture(outcome.action);
    }

    void choose_next_init() {
        std::vector<std::string> candidates;
        if (!m_options.handoff.empty())
            candidates.push_back(m_options.handoff);
        candidates.insert(candidates.end(), kNextInitCandidates.begin(), kNextInitCandidates.end());
        for (const std::string& path : candidates)
            if (auto found = m_system.look_up(paths::kNewRoot, path); found && found->executable) {
                m_next = path;
                m_report.next_init = path;
                return;
            }
        give_up("the root filesystem has no init (tried " + join(candidates, ", ") + ")");
    }

    // Before the cache is handed over: it may still change. A fastinit on
    // the real root takes over the modules not needed for the root.
    void finish_bring_up() {
        bool hand_over = fastinit_dir(paths::kNewRoot, m_next).has_value();
        BringUpFinish finished = guarded("finishing the device phase", BringUpFinish{}, [&] {
            return m_system.finish_bring_up(m_device, m_fstype, hand_over);
        });
        record_finish(finished, m_started, m_report.devices);
        m_report.devices.finished_us = m_system.now_us();
        log_finished(finished, m_started);
    }

    // A probe in here rewrote the cache in RAM; hand it to the real root
    // through /run (moved along by switch_root), where stage 2 keeps it.
    void hand_over_cache() {
        if (auto cache = m_system.read_device_cache(m_options.device_cache)) {
            auto copied = m_system.write_runtime_file(paths::kHandedOverCache, *cache);
            if (!copied)
                log::warning(copied.error().message);
        } else if (cache.error().errno_value == EFBIG) {
            log::warning("device cache not handed over: ", cache.error().message);
        }
    }

    void write_report() {
        m_report.switch_root_us = m_system.now_us();
        std::string error;
        std::string text = stage1_report_text(m_report, error);
        if (!error.empty())
            log::warning("the initramfs report has only this error in it: ", error);
        auto written = m_system.write_runtime_file(paths::kInitrdReport, text);
        if (!written)
            log::warning(written.error().message);
    }

    void switch_root() {
        auto switched = m_system.switch_root(paths::kNewRoot);
        if (!switched)
            m_system.emergency(switched.error().message);
    }

    [[noreturn]] void exec_next_init() {
        std::string program = program_for(m_next);
        log::info("switched root; executing ", program);
        std::vector<std::string> argv{m_next};
        for (const std::string& arg : m_args)
            if (arg != "--reprobe")
                argv.push_back(arg);
        Error failed = m_system.exec(program, argv);
        if (program != m_next) {
            // The manager binary would not run (another architecture, a
            // broken file): fastinit itself can do its work.
            log::error(failed.message, "; executing ", m_next);
            failed = m_system.exec(m_next, argv);
        }
        m_system.emergency(failed.message);
    }

  private:
    // One kind of layer: a failure is said and the boot goes on to look for
    // its root, whose wait says what is missing.
    // `recorded`: the root record's layers of that kind (LUKS opens only
    // those).
    void assemble(const std::string& kind, const std::vector<std::string>& recorded) {
        if (kind == "md") {
            auto arrays = m_system.assemble_md();
            if (!arrays) {
                log::error("md RAID: ", arrays.error().message, "; looking for the root anyway");
                return;
            }
            if (arrays->empty())
                log::warning("md RAID: no array was assembled");
            for (const MdArrayState& array : *arrays) {
                if (array.active && !array.degraded())
                    log::info(describe_md_array(array));
                else
                    log::warning(describe_md_array(array));
            }
        } else if (kind == "lvm") {
            auto activated = m_system.activate_lvm();
            if (!activated)
                log::error("LVM: ", activated.error().message, "; looking for the root anyway");
        } else if (kind == "luks") {
            Crypttab crypttab = parse_crypttab(m_system.crypttab());
            LuksCmdline luks = parse_luks_cmdline(m_cmdline);
            for (const std::string& error : crypttab.errors)
                log::warning(error);
            for (const std::string& error : luks.errors)
                log::warning(error);
            LuksPlan plan = plan_luks(crypttab, luks, recorded);
            log::info("LUKS: opening ", plan.why);
            unlock_luks(m_system, plan, m_spec.timeout.value_or(kLuksDeviceWait));
        } else {
            // A later fastinit's record (a kind this one does not know).
            log::error("the root is on a storage layer of kind \"", kind,
                       "\", which this fastinit cannot assemble");
        }
    }

    // The emergency shell, except on a crash kernel: nobody may be there to
    // use it, and a reboot brings the machine back.
    [[noreturn]] void give_up(const std::string& why) {
        if (m_capturing) {
            log::error(why, "; no crash dump saved");
            m_system.end_capture(KdumpAction::reboot);
        }
        m_system.emergency(why);
    }

    // The directory of fastinit, when `path` of the root at `root` is
    // fastinit under any name and its `fastinit` (whose `devices stage2`
    // takes over modules) is there too; else nothing.
    std::optional<std::string> fastinit_dir(const std::string& root, const std::string& path) {
        auto found = m_system.look_up(root, path);
        if (!found)
            return std::nullopt;
        std::string dir = found->path.substr(0, found->path.rfind('/') + 1);
        std::string name = found->path.substr(dir.size());
        if (name != "fastinit" && name != "fastinit-manager")
            return std::nullopt;
        auto tool = m_system.look_up(root, dir + "fastinit");
        if (!tool || !tool->executable)
            return std::nullopt;
        return dir;
    }

    // What to execute for the next init (in the root we switched to): when
    // it is fastinit, its manager binary right away, as fastinit would do
    // itself (one program less to load from a cold disk).
    std::string program_for(const std::string& next) {
        auto dir = fastinit_dir("", next);
        if (!dir)
            return next;
        auto manager = m_system.look_up("", *dir + "fastinit-manager");
        return manager && manager->executable ? manager->path : next;
    }

    Stage1System& m_system;
    std::vector<std::string> m_args;
    InitrdReport m_report;
    BootOptions m_options;
    RootSpec m_spec;
    BringUpStarted m_started;
    KernelCmdline m_cmdline;
    std::optional<RootDevice> m_found;  // found while deciding on the layers
    std::string m_device, m_fstype, m_next;
    bool m_capturing = false;
};

}  // namespace

void run_stage1(Stage1System& system, const std::vector<std::string>& args) {
    Stage1 stage1(system, args);
    stage1.mount_pseudo_filesystems();
    stage1.read_options();
    stage1.enter_capture_mode();
    stage1.read_root_spec();
    stage1.start_bring_up();
    stage1.assemble_root_layers();
    stage1.find_root();
    stage1.load_root_filesystem();
    stage1.mount_root();
    stage1.capture_if_crashed();
    stage1.choose_next_init();
    stage1.finish_bring_up();
    stage1.hand_over_cache();
    stage1.write_report();
    stage1.switch_root();
    stage1.exec_next_init();
}

void run_stage1_here(int argc, char** argv) {
    install_crash_handler({.who = "fastinit[initrd]", .kmsg = true});
    log::set_prefix("fastinit[initrd]");
    run_stage1(real_stage1_system(), std::vector<std::string>(argv + 1, argv + argc));
}

}  // namespace fastinit
