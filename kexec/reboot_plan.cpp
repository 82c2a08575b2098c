#include "kexec/reboot_plan.h"

#include <fcntl.h>

#include "base/text.h"
#include "base/trial_boot.h"
#include "base/unique_fd.h"
#include "kexec/initrd_image.h"

namespace fastinit {
namespace {

Result<UniqueFd> open_for_load(const std::filesystem::path& path, std::string_view what) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        int error = errno;
        return Error{"cannot open " + std::string(what) + " " + path.string() + ": " +
                         decode_kexec_errno(error),
                     error};
    }
    return fd;
}

}  // namespace

std::vector<RebootStep> reboot_steps(PowerAction mode) {
    std::vector<RebootStep> steps;
    if (mode == PowerAction::kexec)
        steps = {RebootStep::choose_kernel, RebootStep::load_kernel};
    if (mode == PowerAction::reboot)
        steps = {RebootStep::unload_kernel};
    for (RebootStep step :
         {RebootStep::stop_units, RebootStep::kill_remaining, RebootStep::sync_filesystems,
          RebootStep::unmount_filesystems, RebootStep::final_call})
        steps.push_back(step);
    if (mode == PowerAction::kexec)
        steps.push_back(RebootStep::firmware_reboot_if_returned);
    return steps;
}

std::string describe(RebootStep step, PowerAction mode) {
    switch (step) {
        case RebootStep::choose_kernel:
            return "choose the next kernel, initrd and command line";
        case RebootStep::load_kernel:
            return "load them with kexec_file_load (on failure: cold reboot, or stop here with "
                   "--no-fallback)";
        case RebootStep::unload_kernel:
            return "unload any staged kexec kernel";
        case RebootStep::stop_units:
            return "stop units in reverse dependency order, independent ones in parallel";
        case RebootStep::kill_remaining:
            return "SIGTERM, then SIGKILL, every process left";
        case RebootStep::sync_filesystems:
            return "sync filesystems";
        case RebootStep::unmount_filesystems:
            return "unmount filesystems or remount them read-only";
        case RebootStep::final_call:
            switch (mode) {
                case PowerAction::kexec:
                    return "reboot(LINUX_REBOOT_CMD_KEXEC): jump into the loaded kernel";
                case PowerAction::reboot:
                    return "reboot(LINUX_REBOOT_CMD_RESTART): through the firmware";
                case PowerAction::poweroff:
                    return "reboot(LINUX_REBOOT_CMD_POWER_OFF)";
                case PowerAction::halt:
                    return "reboot(LINUX_REBOOT_CMD_HALT)";
            }
            return "";
        case RebootStep::firmware_reboot_if_returned:
            return "if the jump returns: reboot through the firmware";
    }
    return "";
}

std::vector<std::string> trial_words(const TrialRequest& trial) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(trial.deadline).count();
    return {"panic=" + std::to_string(trial.panic_seconds),
            std::string(kTrialWord) + "=" + std::to_string(seconds) + "s"};
}

Result<PreparedKexec> resolve_kexec(const KexecRequest& request) {
    auto config = load_kexec_config(request.config_path);
    if (!config)
        return config.error();
    auto choice = select_kernel(request.options, *config, request.places);
    if (!choice)
        return choice.error();

    CmdlineEdit edit;
    std::string source;
    const std::optional<KexecConfig>& file = *config;
    if (request.options.cmdline) {
        edit.base = *request.options.cmdline;
        edit.drop_one_shot = false;
        source = "--cmdline";
    } else if (file && file->cmdline) {
        edit.base = *file->cmdline;
        edit.drop_one_shot = false;
        source = "cmdline in " + file->path;
    } else if (choice->entry_options) {
        edit.base = *choice->entry_options;
        source = "options of the boot loader entry";
    } else {
        auto text = read_file(request.proc_cmdline_path);
        if (!text)
            return text.error();
        edit.base = *text;
        source = request.proc_cmdline_path;
    }
    if (file && file->append) {
        edit.appends.push_back(*file->append);
        source += " + append in " + file->path;
    }
    for (const auto& append : request.options.appends)
        edit.appends.push_back(append);
    if (!request.options.appends.empty())
        source += " + --append";
    edit.reprobe = request.reprobe;
    if (request.reprobe)
        source += " + --reprobe";
    if (request.trial) {
        edit.replacing = trial_words(*request.trial);
        source += " + --try";
    }

    PreparedKexec prepared;
    prepared.choice = std::move(*choice);
    prepared.cmdline = build_next_cmdline(edit);
    prepared.cmdline_source = std::move(source);
    prepared.extra_initrd_bytes = request.extra_initrd.size();
    return prepared;
}

namespace {

// Opens the files `prepared` names and loads them, recording what was staged
// when the request keeps a record.
Result<void> load_resolved(const KexecRequest& request, PreparedKexec& prepared,
                           KexecLoader& loader) {
    const KernelChoice& choice = prepared.choice;
    const std::string& record_path = request.staged_record_path;
    std::optional<Result<StagedRecord>> record;
    if (!record_path.empty()) {
        // Identified before opening (see make_staged_record), and the old
        // record dropped before the load: whatever was staged is about to be
        // replaced, and after a failed load it is in doubt.
        record = make_staged_record(choice, prepared.cmdline.text, request.extra_initrd);
        if (auto removed = remove_staged_record(record_path); !removed)
            prepared.record_error = removed.error();
    }
    auto kernel = open_for_load(choice.kernel, "kernel");
    if (!kernel)
        return kernel.error();
    UniqueFd initrd;
    if (choice.initrds.size() == 1) {
        auto fd = open_for_load(choice.initrds[0], "initrd");
        if (!fd)
            return fd.error();
        initrd = std::move(*fd);
    } else if (choice.initrds.size() > 1) {
        std::vector<UniqueFd> pieces;
        std::vector<int> fds;
        for (const auto& path : choice.initrds) {
            auto fd = open_for_load(path, "initrd");
            if (!fd)
                return fd.error();
            fds.push_back(fd->get());
            pieces.push_back(std::move(*fd));
        }
        auto combined = concatenate_initrd(fds, "");
        if (!combined)
            return combined.error();
        initrd = std::move(*combined);
    }
    auto loaded =
        loader.load(kernel->get(), initrd.get(), prepared.cmdline.text, request.extra_initrd);
    if (!loaded)
        return Error{"cannot load " + choice.kernel.string() + ": " + loaded.error().message,
                     loaded.error().errno_value};
    if (record) {
        // Whether the new record exists is what matters now, not whether the
        // old one could be removed.
        auto written =
            *record ? write_staged_record(record_path, **record) : Result<void>(record->error());
        prepared.record_error.reset();
        if (!written)
            prepared.record_error = written.error();
    }
    return ok_result();
}

}  // namespace

Result<PreparedKexec> prepare_kexec(const KexecRequest& request, KexecLoader& loader) {
    auto prepared = resolve_kexec(request);
    if (!prepared)
        return prepared.error();
    FI_TRY(load_resolved(request, *prepared, loader));
    return prepared;
}

StagedVerdict judge_staged_kernel(const KexecRequest& request, const PreparedKexec& prepared,
                                  KexecLoader& loader) {
    if (request.staged_record_path.empty())
        return {false, false, "no record of staged kernels is kept"};
    return judge_staged(
        loader.is_loaded(), read_staged_record(request.staged_record_path),
        make_staged_record(prepared.choice, prepared.cmdline.text, request.extra_initrd));
}

Result<RebootOutcome> kexec_reboot(const KexecRequest& request, Fallback fallback,
                                   KexecLoader& loader, RebootRequester& requester,
                                   const std::function<void(const RebootOutcome&)>& before_asking) {
    RebootOutcome outcome;
    auto prepared = resolve_kexec(request);
    if (prepared) {
        // The choice is made exactly as for a load; only the load itself may
        // be skipped, when what is staged is what would be loaded.
        outcome.staged = judge_staged_kernel(request, *prepared, loader);
        auto loaded =
            outcome.staged.reuse ? ok_result() : load_resolved(request, *prepared, loader);
        if (!loaded)
            prepared = loaded.error();
    }
    if (prepared) {
        outcome.requested = PowerAction::kexec;
        outcome.loaded = std::move(*prepared);
    } else {
        if (fallback == Fallback::none)
            return prepared.error();
        outcome.requested = PowerAction::reboot;
        outcome.kexec_error = prepared.error();
    }
    if (before_asking)
        before_asking(outcome);
    auto asked = requester.request_reboot(outcome.requested);
    if (!asked) {
        std::string message = "the manager refused Reboot(\"" +
                              std::string(to_string(outcome.requested)) +
                              "\"): " + asked.error().message;
        if (outcome.kexec_error)
            message = outcome.kexec_error->message + "; falling back to a cold reboot, " + message;
        return Error{message, asked.error().errno_value};
    }
    return outcome;
}

Result<ColdRebootOutcome> cold_reboot(KexecLoader& loader, RebootRequester& requester) {
    ColdRebootOutcome outcome;
    auto loaded = loader.is_loaded();
    if (!loaded || *loaded) {
        auto unloaded = loader.unload();
        if (!unloaded)
            outcome.unload_error = unloaded.error();
    }
    auto asked = requester.request_reboot(PowerAction::reboot);
    if (!asked)
        return Error{"the manager refused Reboot(\"cold\"): " + asked.error().message,
                     asked.error().errno_value};
    return outcome;
}

}  // namespace fastinit
