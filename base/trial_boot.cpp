#include "base/trial_boot.h"

#include <cerrno>
#include <charconv>
#include <map>

namespace fastinit {
namespace {

// The files are a few lines; more than this is not one of them.
constexpr size_t kMaxLines = 64;

Result<std::map<std::string, std::string>> key_values(std::string_view text) {
    std::map<std::string, std::string> values;
    size_t lines = 0;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (++lines > kMaxLines)
            return Error{"too many lines", EINVAL};
        if (line.empty())
            continue;
        size_t equals = line.find('=');
        if (equals == std::string_view::npos || equals == 0)
            return Error{"a line is not key=value", EINVAL};
        values[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
    }
    return values;
}

Result<int64_t> number(const std::map<std::string, std::string>& values, const std::string& key) {
    auto it = values.find(key);
    if (it == values.end())
        return Error{"no " + key, EINVAL};
    int64_t n = 0;
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (error != std::errc() || end != text.data() + text.size() || n < 0)
        return Error{key + " is not a number", EINVAL};
    return n;
}

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n')
            c = ' ';
    return text;
}

}  // namespace

std::string_view to_string(TrialStatus status) {
    switch (status) {
        case TrialStatus::unblessed:
            return "unblessed";
        case TrialStatus::blessed:
            return "blessed";
        case TrialStatus::expired:
            return "expired";
    }
    return "?";
}

std::string_view to_string(TrialOutcome outcome) {
    switch (outcome) {
        case TrialOutcome::pending:
            return "pending";
        case TrialOutcome::blessed:
            return "blessed";
        case TrialOutcome::failed:
            return "failed";
    }
    return "?";
}

std::string format_trial_state(const TrialState& state) {
    return "status=" + std::string(to_string(state.status)) +
           "\ndeadline_seconds=" + std::to_string(state.deadline_seconds) +
           "\ndeadline_epoch=" + std::to_string(state.deadline_epoch) + "\n";
}

std::string describe_trial(const TrialState& state, int64_t now_epoch) {
    switch (state.status) {
        case TrialStatus::blessed:
            return "Trial boot: blessed (this kernel stays)";
        case TrialStatus::expired:
            return "Trial boot: not blessed in time; rebooting through the firmware";
        case TrialStatus::unblessed:
            break;
    }
    int64_t left = state.deadline_epoch > now_epoch ? state.deadline_epoch - now_epoch : 0;
    return "Trial boot: unblessed, " + std::to_string(left) +
           " s left to `fastinit bless`, then a firmware reboot";
}

Result<TrialState> parse_trial_state(std::string_view text) {
    auto values = key_values(text);
    if (!values)
        return values.error();
    TrialState state;
    const std::string& status = (*values)["status"];
    if (status == "unblessed")
        state.status = TrialStatus::unblessed;
    else if (status == "blessed")
        state.status = TrialStatus::blessed;
    else if (status == "expired")
        state.status = TrialStatus::expired;
    else
        return Error{"no known status", EINVAL};
    auto seconds = number(*values, "deadline_seconds");
    if (!seconds)
        return seconds.error();
    auto epoch = number(*values, "deadline_epoch");
    if (!epoch)
        return epoch.error();
    state.deadline_seconds = *seconds;
    state.deadline_epoch = *epoch;
    return state;
}

std::string format_trial_record(const TrialRecord& record) {
    return "outcome=" + std::string(to_string(record.outcome)) +
           "\nkernel=" + one_line(record.kernel) + "\ncmdline=" + one_line(record.cmdline) +
           "\nrequested_epoch=" + std::to_string(record.requested_epoch) +
           "\nsettled_epoch=" + std::to_string(record.settled_epoch) + "\n";
}

Result<TrialRecord> parse_trial_record(std::string_view text) {
    auto values = key_values(text);
    if (!values)
        return values.error();
    TrialRecord record;
    const std::string& outcome = (*values)["outcome"];
    if (outcome == "pending")
        record.outcome = TrialOutcome::pending;
    else if (outcome == "blessed")
        record.outcome = TrialOutcome::blessed;
    else if (outcome == "failed")
        record.outcome = TrialOutcome::failed;
    else
        return Error{"no known outcome", EINVAL};
    record.kernel = (*values)["kernel"];
    record.cmdline = (*values)["cmdline"];
    auto requested = number(*values, "requested_epoch");
    if (!requested)
        return requested.error();
    auto settled = number(*values, "settled_epoch");
    if (!settled)
        return settled.error();
    record.requested_epoch = *requested;
    record.settled_epoch = *settled;
    return record;
}

}  // namespace fastinit
