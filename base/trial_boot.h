// A trial boot (`fastinit reboot --try`) and what is written about it.
//
// The rule: a trial that is not confirmed never leaves the machine stuck;
// the way back is always the firmware. The trial kernel's command line
// carries `fastinit.try=DURATION`, which only that boot sees (the boot
// loader's own command line never has it): its PID 1 reboots through the
// firmware unless `fastinit bless` confirms the boot within DURATION of
// PID 1's start, and `panic=N` and the hardware watchdog armed across the
// jump cover a kernel or PID 1 that never gets that far.
//
// Two small files, both "key=value" lines, parsed as hostile input (any
// bytes give a value or an Error, never a crash):
//   - RUNTIME/trial: this boot's trial, written by PID 1 (status, deadline);
//     what `fastinit status` shows.
//   - /var/lib/fastinit/try: the last trial asked for, written by `reboot
//     --try` before the jump (pending) and settled by `bless` (blessed on
//     the trial boot; failed on a later boot that is not the trial, which
//     therefore came back through the firmware).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace fastinit {

inline constexpr char kTrialWord[] = "fastinit.try";
inline constexpr const char* kTrialStateName = "trial";
inline constexpr const char* kTrialRecordPath = "/var/lib/fastinit/try";

enum class TrialStatus { unblessed, blessed, expired };
std::string_view to_string(TrialStatus status);

struct TrialState {
    TrialStatus status = TrialStatus::unblessed;
    int64_t deadline_seconds = 0;  // the trial's length, from PID 1's start
    int64_t deadline_epoch = 0;    // when it ends (or ended), wall clock
};

std::string format_trial_state(const TrialState& state);
// One line for people (`fastinit status`, `analyze time`): "Trial boot:
// unblessed, 240 s left to `fastinit bless`, then a firmware reboot".
std::string describe_trial(const TrialState& state, int64_t now_epoch);
Result<TrialState> parse_trial_state(std::string_view text);

enum class TrialOutcome { pending, blessed, failed };
std::string_view to_string(TrialOutcome outcome);

struct TrialRecord {
    TrialOutcome outcome = TrialOutcome::pending;
    std::string kernel;
    std::string cmdline;
    int64_t requested_epoch = 0;
    int64_t settled_epoch = 0;  // 0 while pending
};

// Newlines in kernel or cmdline become spaces: one value per line.
std::string format_trial_record(const TrialRecord& record);
Result<TrialRecord> parse_trial_record(std::string_view text);

}  // namespace fastinit
