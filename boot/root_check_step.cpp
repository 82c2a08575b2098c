#include "boot/root_check_step.h"

#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/root_fsck.h"

namespace fastinit {

RootCheckEnd check_root_filesystem(Stage1System& system, const KernelCmdline& cmdline,
                                   const std::string& device, const std::string& fstype,
                                   InitrdReport::Root::Fsck& record) {
    using Next = RootCheckEnd::Next;
    FsckOptions options = fsck_options(cmdline);
    for (const Error& e : options.errors)
        log::warning(e.message);
    if (options.mode == FsckMode::skip) {
        record.result = "skipped";
        record.why = "fsck.mode=skip";
        log::info("the root is not checked: fsck.mode=skip");
        return {};
    }
    std::string tool = system.fsck_tool(fstype);
    if (tool.empty()) {
        record.result = "skipped";
        record.why =
            "no fsck." + (fstype.empty() ? std::string("TYPE") : fstype) + " in this initramfs";
        log::info("the root is not checked in the initramfs: ", record.why);
        return {};
    }
    record.tool = tool;
    record.start_us = system.now_us();
    std::vector<std::string> argv = fsck_argv(tool, device, options);
    log::info("checking the root: ", join(argv, " "));
    auto run = system.run_fsck(argv, kRootFsckTimeout);
    record.end_us = system.now_us();
    if (!run) {
        record.result = "failed";
        record.why = run.error().message;
        return {Next::emergency, "the check of the root " + device +
                                     " failed: " + run.error().message + "; check it by hand (" +
                                     tool + " " + device + ") and reboot"};
    }
    record.status = run->exit_status;
    FsckVerdict verdict = judge_fsck_status(run->exit_status);
    record.result = to_string(verdict);
    std::string said = to_valid_utf8(last_line(run->output));
    std::string in_ms = std::to_string((record.end_us - record.start_us) / 1000) + " ms";
    switch (verdict) {
        case FsckVerdict::clean:
            log::info("root ", device, " checked in ", in_ms, ": clean");
            break;
        case FsckVerdict::fixed:
            log::warning("root ", device, ": fsck corrected errors (status ", run->exit_status, ")",
                         said.empty() ? "" : ": ", said);
            break;
        case FsckVerdict::reboot:
            log::warning("root ", device, ": fsck corrected errors and asks for a reboot (status ",
                         run->exit_status, ")", said.empty() ? "" : ": ", said, "; rebooting");
            return {Next::reboot, ""};
        case FsckVerdict::failed:
            record.why = describe_fsck_failure(run->exit_status);
            return {Next::emergency, "fsck of the root " + device + ": " + record.why +
                                         (said.empty() ? "" : " (" + said + ")") +
                                         "; repair it by hand (" + tool + " " + device +
                                         ") and reboot, or boot with fsck.repair=yes"};
    }
    // The manager's fsck-- need not check it again.
    auto marked = system.write_runtime_file(paths::kRootFsckDone, record.result + "\n");
    if (!marked)
        log::warning(marked.error().message);
    return {};
}

}  // namespace fastinit
