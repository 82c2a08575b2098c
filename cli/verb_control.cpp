// Client verbs that talk to a running manager: status, start, stop, restart,
// reload, poweroff, halt.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "base/args.h"
#include "base/duration.h"
#include "base/text.h"
#include "base/trial_boot.h"
#include "cli/client.h"
#include "cli/log_format.h"
#include "cli/reboot_requester.h"
#include "cli/verbs.h"

namespace fastinit {
namespace {

Result<ManagerClient> connect_or_say(const ClientContext& context) {
    auto client = ManagerClient::connect(context.socket_path());
    if (!client)
        std::fprintf(stderr, "fastinit: %s\n", client.error().message.c_str());
    return client;
}

int print_unit(ManagerClient& client, const std::string& name) {
    auto unit = client.get_unit(name);
    if (!unit) {
        std::fprintf(stderr, "fastinit: %s\n", unit.error().message.c_str());
        return 1;
    }
    auto& p = *unit;
    std::printf("%s - %s\n", p["Name"].c_str(), p["Description"].c_str());
    std::printf("   Type: %s\n", p["Type"].c_str());
    std::printf("  State: %s%s\n", p["State"].c_str(),
                p["Result"].empty() ? "" : (" (" + p["Result"] + ")").c_str());
    if (p["MainPID"] != "0")
        std::printf("    PID: %s\n", p["MainPID"].c_str());
    if (!p["StatusText"].empty())
        std::printf(" Status: %s\n", p["StatusText"].c_str());
    if (!p["WaitingForDevices"].empty())
        std::printf("Waiting: for %s\n", p["WaitingForDevices"].c_str());
    if (!p["Reason"].empty())
        std::printf(" Reason: %s\n", p["Reason"].c_str());
    if (!p["LastExit"].empty())
        std::printf("   Exit: %s\n", p["LastExit"].c_str());
    if (!p["Job"].empty())
        std::printf("    Job: %s\n", p["Job"].c_str());
    if (!p["Pending"].empty())
        std::printf("Pending: %s\n", p["Pending"].c_str());
    if (!p["ReloadFailure"].empty())
        std::printf(" Reload: failed: %s\n", p["ReloadFailure"].c_str());
    if (p["Restarts"] != "0")
        std::printf("Restarts: %s\n", p["Restarts"].c_str());
    if (!p["Path"].empty())
        std::printf("   File: %s\n", p["Path"].c_str());
    if (!p["DropIns"].empty()) {
        // One line for all, as systemctl shows them: in the order applied.
        std::string line = p["DropIns"];
        while (line.ends_with('\n'))
            line.pop_back();
        for (size_t at = line.find('\n'); at != std::string::npos; at = line.find('\n', at))
            line.replace(at, 1, ", ");
        std::printf("   Drop-ins: %s\n", line.c_str());
    }
    if (!p["ControlGroup"].empty()) {
        std::printf(" CGroup: %s\n", p["ControlGroup"].c_str());
        // One "PID COMM" line each, under the cgroup as systemctl does.
        const std::string& list = p["Processes"];
        for (size_t at = 0; at < list.size();) {
            size_t end = list.find('\n', at);
            if (end == std::string::npos)
                end = list.size();
            std::printf("         %s\n", list.substr(at, end - at).c_str());
            at = end + 1;
        }
    }
    // Its last lines, as systemctl status shows them.
    constexpr uint32_t kStatusLines = 10;
    if (auto log = client.read_log({name}, 0, kStatusLines); log && !log->lines.empty()) {
        std::printf("\n");
        for (const LogLine& line : log->lines)
            std::printf("%s\n", format_log_line(line).c_str());
    }
    // Exit code like systemctl: 0 when active, 3 otherwise.
    return p["State"] == "active" ? 0 : 3;
}

// Unit names, and no options: a word like --all is a mistake, not a unit.
Result<Args> unit_names(const std::string& verb, const Args& args) {
    auto names = arg::parse({}, args);
    if (!names)
        std::fprintf(stderr, "fastinit %s: %s\n", verb.c_str(), names.error().message.c_str());
    return names;
}

// How long a verb waits for its result unless told (--timeout): longer than
// the default start_timeout, and bounded, since a unit may restart for ever.
constexpr auto kDefaultWait = std::chrono::minutes(5);

// What became of the request, from the unit's properties once its job was
// over: "" when it did what was asked, else the sentence to print.
std::string verdict(const std::string& verb, const std::string& name,
                    std::map<std::string, std::string>& p) {
    const std::string& state = p["State"];
    std::string why = p["Reason"].empty() ? "" : ": " + p["Reason"];
    if (verb == "stop")
        return state == "inactive" || state == "failed" || state == "skipped"
                   ? ""
                   : "unit " + name + " is " + state + ", not stopped";
    if (verb == "reload")
        return p["ReloadFailure"].empty()
                   ? ""
                   : "unit " + name + " failed to reload: " + p["ReloadFailure"];
    // start, restart: up, or skipped by its own condition (as systemctl).
    if (state == "active" || (state == "skipped" && p["Result"] == "condition"))
        return "";
    if (state == "failed" || state == "skipped")
        return "unit " + name + " " + state + why;
    return "unit " + name + " is " + state + why;
}

// "Watchdog: running, /dev/watchdog0 (i6300ESB timer), timeout 30 s, last
// pet 2.1 s ago".
std::string watchdog_line(std::map<std::string, std::string>& w) {
    std::string line = "Watchdog: " + w["State"];
    if (!w["Device"].empty())
        line += ", " + w["Device"] + (w["Identity"].empty() ? "" : " (" + w["Identity"] + ")");
    if (w["TimeoutSec"] != "0" && !w["TimeoutSec"].empty())
        line += ", timeout " + w["TimeoutSec"] + " s";
    if (!w["LastPetMsAgo"].empty()) {
        char ago[32];
        std::snprintf(ago, sizeof ago, "%.1f",
                      std::strtoull(w["LastPetMsAgo"].c_str(), nullptr, 10) / 1000.0);
        line += std::string(", last pet ") + ago + " s ago";
    }
    if (!w["Problem"].empty())
        line += "; " + w["Problem"];
    return line;
}

}  // namespace

int verb_status(const ClientContext& context, const Args& args) {
    auto names = unit_names("status", args);
    if (!names)
        return 2;
    auto client = connect_or_say(context);
    if (!client)
        return 1;
    if (!names->empty()) {
        int worst = 0;
        for (const auto& name : *names)
            worst = std::max(worst, print_unit(*client, name));
        return worst;
    }
    auto units = client->list_units();
    if (!units) {
        std::fprintf(stderr, "fastinit: %s\n", units.error().message.c_str());
        return 1;
    }
    // An older manager has no Watchdog method: then nothing is shown.
    if (auto watchdog = client->watchdog(); watchdog && (*watchdog)["State"] != "off")
        std::printf("%s\n", watchdog_line(*watchdog).c_str());
    if (auto trial = read_file_at_most(context.runtime_dir + "/" + kTrialStateName, 4096)) {
        if (auto state = parse_trial_state(*trial))
            std::printf("%s\n", describe_trial(*state, ::time(nullptr)).c_str());
    }
    std::printf("%-28s %-11s %-16s %-8s %s\n", "UNIT", "STATE", "RESULT", "PID", "STATUS");
    for (const auto& u : *units) {
        if (u.state == "inactive" && u.result.empty())
            continue;  // never started: not interesting
        std::printf("%-28s %-11s %-16s %-8s %s\n", u.name.c_str(), u.state.c_str(),
                    u.result.c_str(), u.main_pid ? std::to_string(u.main_pid).c_str() : "-",
                    u.status_text.c_str());
    }
    return 0;
}

int verb_unit_request(const ClientContext& context, const std::string& verb, const Args& args) {
    bool no_block = false;
    std::string timeout_text;
    arg::Spec spec{
        .options = {arg::flag("--no-block", no_block), arg::value("--timeout", timeout_text)}};
    auto names = arg::parse(spec, args);
    if (!names) {
        std::fprintf(stderr, "fastinit %s: %s\n", verb.c_str(), names.error().message.c_str());
        return 2;
    }
    if (names->empty()) {
        std::fprintf(stderr, "usage: fastinit %s [--no-block] [--timeout DURATION] UNIT...\n",
                     verb.c_str());
        return 2;
    }
    Duration timeout = kDefaultWait;
    if (!timeout_text.empty()) {
        auto parsed = parse_duration(timeout_text);
        if (!parsed || parsed->count() <= 0) {
            std::fprintf(stderr, "fastinit %s: --timeout: %s\n", verb.c_str(),
                         parsed ? "must be more than 0" : parsed.error().message.c_str());
            return 2;
        }
        timeout = *parsed;
    }
    auto client = connect_or_say(context);
    if (!client)
        return 1;
    int status = 0;
    // Every request first, then every wait: independent units go together.
    std::vector<std::string> asked;
    for (const auto& name : *names) {
        Result<void> r = verb == "start"    ? client->start_unit(name)
                         : verb == "stop"   ? client->stop_unit(name)
                         : verb == "reload" ? client->reload_unit(name)
                                            : client->restart_unit(name);
        if (!r) {
            std::fprintf(stderr, "fastinit %s %s: %s\n", verb.c_str(), name.c_str(),
                         r.error().message.c_str());
            status = 1;
            continue;
        }
        asked.push_back(name);
    }
    if (no_block)
        return status;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (const auto& name : asked) {
        auto left =
            std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
        auto p = client->wait_unit(name, std::max(left, Duration(1)));
        if (!p && p.error().errno_value == ETIMEDOUT) {
            std::fprintf(stderr,
                         "fastinit %s %s: no result within %s; the request goes on (see "
                         "`fastinit status %s`)\n",
                         verb.c_str(), name.c_str(), format_duration(timeout).c_str(),
                         name.c_str());
            status = 1;
            continue;
        }
        if (!p) {
            std::fprintf(stderr, "fastinit %s %s: %s\n", verb.c_str(), name.c_str(),
                         p.error().message.c_str());
            status = 1;
            continue;
        }
        std::string problem = verdict(verb, name, *p);
        if (!problem.empty()) {
            std::fprintf(stderr, "fastinit %s %s: %s\n", verb.c_str(), name.c_str(),
                         problem.c_str());
            status = 1;
        }
    }
    return status;
}

int verb_power(const ClientContext& context, const std::string& mode) {
    auto requester = connect_reboot_requester(context);
    if (!requester) {
        std::fprintf(stderr, "fastinit: %s\n", requester.error().message.c_str());
        return 1;
    }
    auto r =
        (*requester)->request_reboot(mode == "halt" ? PowerAction::halt : PowerAction::poweroff);
    if (!r) {
        std::fprintf(stderr, "fastinit: %s\n", r.error().message.c_str());
        return 1;
    }
    return 0;
}

}  // namespace fastinit

namespace fastinit {

// `fastinit daemon-reload`: the manager reads its units again; its report
// says what changed. A reload that happened exits 0 even when some file is
// broken (the report names it, and its old definition stays).
int verb_daemon_reload(const ClientContext& context, const Args& args) {
    auto extra = arg::parse({.options = {}, .max_positionals = 0}, args);
    if (!extra) {
        std::fprintf(stderr, "fastinit daemon-reload: %s\n", extra.error().message.c_str());
        return 2;
    }
    auto client = connect_or_say(context);
    if (!client)
        return 1;
    auto report = client->reload_units(kDefaultWait);
    if (!report) {
        std::fprintf(stderr, "fastinit daemon-reload: %s\n", report.error().message.c_str());
        return 1;
    }
    std::fputs(report->c_str(), stdout);
    return 0;
}

}  // namespace fastinit
