// The reboot sequence, with one rule above all: nothing is stopped before
// the new kernel is loaded. A kexec reboot first chooses and loads the next
// kernel; only when that worked is the manager asked to stop the system and
// jump. When it failed, the manager is asked for a cold (firmware) reboot
// instead, or — when the caller said no fallback — for nothing at all, and
// the system keeps running untouched.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/power_action.h"
#include "base/result.h"
#include "kexec/cmdline.h"
#include "kexec/kernel_selection.h"
#include "kexec/loader.h"
#include "kexec/staged_record.h"

namespace fastinit {

enum class RebootStep {
    choose_kernel,
    load_kernel,
    unload_kernel,
    stop_units,
    kill_remaining,
    sync_filesystems,
    unmount_filesystems,
    final_call,
    firmware_reboot_if_returned,
};

// The steps of a reboot in `mode`, in order. load_kernel comes before
// stop_units; a cold reboot unloads any staged kernel first.
std::vector<RebootStep> reboot_steps(PowerAction mode);

// One line per step, e.g. "stop units in reverse dependency order".
std::string describe(RebootStep step, PowerAction mode);

// The manager, as far as a reboot needs it.
class RebootRequester {
  public:
    virtual ~RebootRequester() = default;
    virtual Result<void> request_reboot(PowerAction mode) = 0;
};

// `fastinit reboot --try`: the next kernel boots once on trial (see
// base/trial_boot.h).
struct TrialRequest {
    int panic_seconds = 10;                       // panic=N: a panic reboots after N s
    Duration deadline = std::chrono::minutes(5);  // fastinit.try=: bless within this
};

// The words a trial adds to the command line, replacing any with the same
// key: "panic=N" and "fastinit.try=SECONDSs".
std::vector<std::string> trial_words(const TrialRequest& trial);

struct KexecRequest {
    KernelOptions options;
    SelectionPlaces places;
    std::string config_path = kKexecConfigPath;
    std::string proc_cmdline_path = "/proc/cmdline";
    bool reprobe = false;               // fastinit.reprobe for the next boot only
    std::optional<TrialRequest> trial;  // --try
    std::string extra_initrd;           // appended to the initrd (see loader.h)
    // Where a load records what it staged, and where kexec_reboot looks for
    // a kernel staged earlier it may reuse (see staged_record.h). Empty:
    // nothing is recorded and every reboot loads.
    std::string staged_record_path;
};

struct PreparedKexec {
    KernelChoice choice;
    NextCmdline cmdline;
    std::string cmdline_source;  // "/proc/cmdline", "--cmdline", ...
    size_t extra_initrd_bytes = 0;
    // The kernel is staged but its record could not be written, so the next
    // `fastinit reboot` loads it again: worth a warning, never a failure.
    std::optional<Error> record_error;
};

// Chooses the kernel, initrd and command line; loads nothing. The command
// line starts from --cmdline, else the config's `cmdline`, else the chosen
// boot loader entry's `options`, else /proc/cmdline; then the config's
// `append` and each --append are added, and a trial's words last.
Result<PreparedKexec> resolve_kexec(const KexecRequest& request);

// resolve_kexec, then opens the files and loads them, always (this is
// `fastinit kexec load`: an explicit request to stage). The Error names the
// kernel and says why it could not be loaded. With a staged_record_path, the
// old record is removed before the load and the new one written after it.
Result<PreparedKexec> prepare_kexec(const KexecRequest& request, KexecLoader& loader);

// Whether the kernel staged earlier (by `fastinit kexec load`, or a reboot
// whose jump never came) is exactly `prepared`, so that kexec_reboot need
// not load it again. Reads the record and whether a kernel is loaded; loads
// nothing. Without a staged_record_path the answer is always to load.
StagedVerdict judge_staged_kernel(const KexecRequest& request, const PreparedKexec& prepared,
                                  KexecLoader& loader);

enum class Fallback { cold_reboot, none };

struct RebootOutcome {
    PowerAction requested = PowerAction::kexec;  // what the manager was asked for
    std::optional<PreparedKexec> loaded;         // set when requested == kexec
    std::optional<Error> kexec_error;            // why the kexec path was left
    StagedVerdict staged;  // reuse: nothing was loaded; else why a staged kernel was not reused
};

// Load (unless judge_staged_kernel says the staged kernel is the one), then
// ask. A load failure asks for a cold reboot (Fallback::cold_reboot)
// and reports why in kexec_error, or with Fallback::none returns the load
// error having asked for nothing. An Error also when the manager refuses.
// `before_asking` sees the outcome just before the manager is asked: the
// last moment to tell the user, since stopping the system may stop the
// caller too (a command typed on a console the manager supervises).
Result<RebootOutcome> kexec_reboot(
    const KexecRequest& request, Fallback fallback, KexecLoader& loader, RebootRequester& requester,
    const std::function<void(const RebootOutcome&)>& before_asking = {});

struct ColdRebootOutcome {
    std::optional<Error> unload_error;  // reported, never blocking
};

// Unloads a staged kernel (when one is, or when that cannot be told), then
// asks for a cold reboot.
Result<ColdRebootOutcome> cold_reboot(KexecLoader& loader, RebootRequester& requester);

}  // namespace fastinit
