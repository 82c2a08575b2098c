// `fastinit bless`: confirms a trial boot (`fastinit reboot --try`, see
// base/trial_boot.h) and settles the record of the last trial. The manager
// owns the deadline, so the confirmation is its Bless method; the record in
// /var/lib/fastinit/try is settled here: blessed on the trial boot, failed
// on a later boot that is not the trial (it came through the firmware).
// Run at the end of every boot by the shipped unit `bless`, so it succeeds
// whenever there is nothing to confirm.
#include <cstdio>
#include <ctime>

#include "base/args.h"
#include "base/text.h"
#include "base/trial_boot.h"
#include "cli/client.h"
#include "cli/verbs.h"

namespace fastinit {
namespace {

const char kBlessUsage[] =
    "usage: fastinit bless [--trial-record FILE]\n"
    "\n"
    "Confirms this trial boot (`fastinit reboot --try`) so that it stays; without it\n"
    "the manager reboots through the firmware at the deadline. On any other boot it\n"
    "only settles the record of the last trial (FILE, default /var/lib/fastinit/try).\n"
    "Exits 1 when the deadline has passed or the manager cannot be asked.\n";

int say(const std::string& message, int code) {
    std::fprintf(code == 0 ? stdout : stderr, "fastinit bless: %s\n", message.c_str());
    return code;
}

std::string when(int64_t epoch) {
    std::time_t t = static_cast<std::time_t>(epoch);
    char text[64];
    struct tm tm;
    if (::localtime_r(&t, &tm) == nullptr ||
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        return std::to_string(epoch);
    return text;
}

// Settles a pending record: blessed on the trial boot, failed otherwise.
void settle_record(const std::string& path, bool trial_boot) {
    auto text = read_file_at_most(path, 16 * 1024);
    if (!text) {
        if (text.error().errno_value != ENOENT)
            say("the trial record: " + text.error().message, 0);
        return;
    }
    auto record = parse_trial_record(*text);
    if (!record) {
        say("the trial record " + path + " is damaged (" + record.error().message + "); ignored",
            0);
        return;
    }
    if (record->outcome != TrialOutcome::pending)
        return;
    record->outcome = trial_boot ? TrialOutcome::blessed : TrialOutcome::failed;
    record->settled_epoch = ::time(nullptr);
    if (!trial_boot)
        say("the trial boot of " + record->kernel + " (asked for at " +
                when(record->requested_epoch) +
                ") was not blessed: this boot came back through the firmware",
            0);
    if (auto written = write_file_atomically(path, format_trial_record(*record)); !written)
        say(written.error().message, 0);
}

}  // namespace

int verb_bless(const ClientContext& context, const Args& args) {
    std::string record_path = kTrialRecordPath;
    bool help = false;
    auto parsed = arg::parse(
        {.options = {arg::value("--trial-record", record_path), arg::flag("--help", help, 'h')},
         .max_positionals = 0},
        args);
    if (!parsed) {
        std::fputs(kBlessUsage, stderr);
        return say(parsed.error().message, 2);
    }
    if (help) {
        std::fputs(kBlessUsage, stdout);
        return 0;
    }
    auto client = ManagerClient::connect(context.socket_path());
    if (!client)
        return say(client.error().message, 1);
    auto answer = client->bless();
    if (!answer)
        return say(answer.error().message, 1);
    bool trial_boot = answer->rfind("not a trial boot", 0) != 0;
    settle_record(record_path, trial_boot);
    return say(*answer, 0);
}

}  // namespace fastinit
