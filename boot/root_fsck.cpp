#include "boot/root_fsck.h"

namespace fastinit {

namespace {

// fsck(8)'s status bits.
constexpr int kCorrected = 1;
constexpr int kRebootNeeded = 2;
constexpr int kUncorrected = 4;
constexpr int kOperational = 8;
constexpr int kUsage = 16;
constexpr int kCancelled = 32;
constexpr int kLibrary = 128;

}  // namespace

FsckOptions fsck_options(const KernelCmdline& cmdline) {
    FsckOptions options;
    if (auto mode = cmdline.value("fsck.mode")) {
        if (*mode == "auto")
            options.mode = FsckMode::automatic;
        else if (*mode == "skip")
            options.mode = FsckMode::skip;
        else if (*mode == "force")
            options.mode = FsckMode::force;
        else
            options.errors.push_back(
                Error{"fsck.mode=" + *mode + " is not auto, skip or force; using auto"});
    }
    if (auto repair = cmdline.value("fsck.repair")) {
        if (*repair == "preen")
            options.repair = FsckRepair::preen;
        else if (*repair == "yes")
            options.repair = FsckRepair::yes;
        else if (*repair == "no")
            options.repair = FsckRepair::no;
        else
            options.errors.push_back(
                Error{"fsck.repair=" + *repair + " is not preen, yes or no; using preen"});
    }
    return options;
}

std::vector<std::string> fsck_argv(const std::string& tool, const std::string& device,
                                   const FsckOptions& options) {
    std::vector<std::string> argv{tool};
    switch (options.repair) {
        case FsckRepair::preen:
            argv.push_back("-a");
            break;
        case FsckRepair::yes:
            argv.push_back("-y");
            break;
        case FsckRepair::no:
            argv.push_back("-n");
            break;
    }
    if (options.mode == FsckMode::force)
        argv.push_back("-f");
    argv.push_back(device);
    return argv;
}

FsckVerdict judge_fsck_status(int status) {
    if (status & ~(kCorrected | kRebootNeeded))
        return FsckVerdict::failed;
    if (status & kRebootNeeded)
        return FsckVerdict::reboot;
    if (status & kCorrected)
        return FsckVerdict::fixed;
    return FsckVerdict::clean;
}

const char* to_string(FsckVerdict verdict) {
    switch (verdict) {
        case FsckVerdict::clean:
            return "clean";
        case FsckVerdict::fixed:
            return "fixed";
        case FsckVerdict::reboot:
            return "reboot";
        case FsckVerdict::failed:
            break;
    }
    return "failed";
}

std::string describe_fsck_failure(int status) {
    std::string what;
    auto add = [&](int bit, const char* words) {
        if (status & bit)
            what += (what.empty() ? "" : ", ") + std::string(words);
    };
    add(kUncorrected, "errors left uncorrected");
    add(kOperational, "an operational error");
    add(kUsage, "a usage error");
    add(kCancelled, "cancelled");
    add(kLibrary, "a shared-library error");
    if (what.empty())
        what = "an unknown failure";
    return what + " (status " + std::to_string(status) + ")";
}

}  // namespace fastinit
