#include "boot/luks_tpm2.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/text.h"
#include "boot/run_tool.h"

namespace fastinit {

bool wants_tpm2(const std::vector<std::string>& options) {
    return std::any_of(options.begin(), options.end(),
                       [](const std::string& o) { return o.starts_with("tpm2-device="); });
}

std::vector<std::string> tpm2_attach_argv(const std::string& tool, const LuksUnlock& unlock) {
    std::string options;
    bool timeout = false;
    for (const std::string& option : unlock.options) {
        // Stage 1 asks the passphrase itself, on its own terms.
        if (option == "headless" || option.starts_with("headless="))
            continue;
        timeout = timeout || option.starts_with("token-timeout=");
        options += option + ",";
    }
    if (!timeout)
        options += std::string(kTpm2TokenWait) + ",";
    options += "headless=true";
    return {tool, "attach", unlock.name, unlock.device, "-", options};
}

std::string tpm2_failure_reason(const std::string& output) {
    std::string reason = last_line(output);
    size_t start = 0;
    while (start < output.size()) {
        size_t end = std::min(output.find('\n', start), output.size());
        std::string line = output.substr(start, end - start);
        if (line.find("TPM2") != std::string::npos)
            reason = line;
        start = end + 1;
    }
    return reason;
}

Result<void> attach_with_tpm2(const LuksUnlock& unlock) {
    std::string tool;
    for (const char* path : kSystemdCryptsetupPaths)
        if (tool.empty() && ::access(path, X_OK) == 0)
            tool = path;
    if (tool.empty())
        return Error{"the image has no systemd-cryptsetup", ENOENT};
    ::mkdir("/run/cryptsetup", 0700);
    // No udev in stage 1 (libdevmapper makes the node itself); its log on
    // stderr, which the run collects, not the journal's socket; its TPM2
    // code built in, not libcryptsetup's token plugin, which the image
    // does not carry.
    std::vector<std::string> env{"DM_DISABLE_UDEV=1", "SYSTEMD_LOG_TARGET=console",
                                 "SYSTEMD_CRYPTSETUP_USE_TOKEN_MODULE=0"};
    auto run = run_tool(tpm2_attach_argv(tool, unlock), kTpm2Timeout, env);
    if (!run)
        return run.error();
    if (run->exit_status != 0) {
        std::string said = tpm2_failure_reason(run->output);
        return Error{"systemd-cryptsetup exited with status " + std::to_string(run->exit_status) +
                         (said.empty() ? "" : ": " + to_valid_utf8(said)),
                     EACCES};
    }
    return {};
}

}  // namespace fastinit
