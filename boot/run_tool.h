// Running one of the image's programs from stage 1 (mdadm, lvm): through
// posix_spawn (stage 1 has threads, the device bring-up's), stdin from
// /dev/null, stdout and stderr collected for the log, and killed when it
// outlives its deadline — a tool waiting on a dead disk must not hold the
// boot longer than the root's own wait would.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/duration.h"
#include "base/result.h"

namespace fastinit {

struct ToolRun {
    int exit_status = 0;
    std::string output;  // stdout and stderr, at most kMaxToolOutput bytes
};

inline constexpr size_t kMaxToolOutput = 16 * 1024;

// Runs argv[0] (an absolute path) with `env` added to stage 1's
// environment. An error when it cannot be started, is killed at `timeout`
// or dies of a signal; an exit status is the caller's to judge.
Result<ToolRun> run_tool(const std::vector<std::string>& argv, Duration timeout,
                         const std::vector<std::string>& env = {});

// The same with `input` (at most a pipe's buffer, 64 KiB) on the tool's
// stdin instead of /dev/null: cryptsetup's passphrase, which must be on
// no command line and in no file.
Result<ToolRun> run_tool_with_input(const std::vector<std::string>& argv, std::string_view input,
                                    Duration timeout, const std::vector<std::string>& env = {});

// The output's last non-empty line (what a tool says last is usually why it
// failed), or "".
std::string last_line(const std::string& output);

}  // namespace fastinit
