#include "kdump/kdump_state.h"

#include "kdump/kdump_config.h"
#include "kexec/cmdline.h"

namespace fastinit {
namespace {

bool starts_with(const std::string& word, const char* prefix) {
    return word.rfind(prefix, 0) == 0;
}

std::string mebibytes(uint64_t bytes) {
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
}

}  // namespace

KdumpStatus describe_kdump(const KdumpFacts& facts) {
    KdumpStatus status;
    bool asked = false;
    for (const std::string& word : split_cmdline_words(facts.cmdline))
        if (starts_with(word, "crashkernel="))
            asked = true;
    if (!facts.reserved_bytes) {
        status.lines.push_back(
            "this kernel cannot keep a crash kernel (no /sys/kernel/kexec_crash_size: it was "
            "built without CONFIG_CRASH_DUMP or kexec)");
        return status;
    }
    if (*facts.reserved_bytes == 0) {
        if (asked)
            status.lines.push_back(
                "no memory is reserved for a crash kernel although the command line asks "
                "(crashkernel=...): the kernel could not reserve it; see `dmesg | grep -i "
                "crashkernel` and try a smaller size");
        else
            status.lines.push_back(
                "no memory is reserved for a crash kernel: add crashkernel=256M to the kernel "
                "command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) "
                "and reboot");
        return status;
    }
    status.lines.push_back(mebibytes(*facts.reserved_bytes) + " reserved for a crash kernel");
    if (!facts.loaded) {
        status.lines.push_back(
            "whether a crash kernel is loaded cannot be read "
            "(/sys/kernel/kexec_crash_loaded)");
    } else if (*facts.loaded) {
        status.armed = true;
        status.lines.push_back("a crash kernel is loaded: a panic saves a dump");
    } else {
        status.lines.push_back("no crash kernel is loaded: run `fastinit kdump load`");
    }
    return status;
}

std::string crash_cmdline(const std::string& base, const std::string& append) {
    std::string kept;
    for (const std::string& word : split_cmdline_words(base))
        if (!starts_with(word, "crashkernel=") && word != kKdumpWord)
            kept += (kept.empty() ? "" : " ") + word;
    CmdlineEdit edit;
    edit.base = kept;
    edit.appends = {append, kKdumpWord};
    return build_next_cmdline(edit).text;
}

}  // namespace fastinit
