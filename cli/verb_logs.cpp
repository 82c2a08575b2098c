// `fastinit logs [-f] [-n N] [--boot PREV] [--since T] [UNIT...]`: the
// running boot's journal through ReadLog (docs/dbus.md), page by page; with
// -f it then asks again for what came after, every kFollowInterval
// (polling: one short call, no state kept in PID 1 for a follower). With
// --boot, a boot before from the persistent journal's files (log_files.h).
#include <cerrno>
#include <cstdlib>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/args.h"
#include "cli/client.h"
#include "cli/log_files.h"
#include "cli/log_format.h"
#include "cli/log_since.h"
#include "cli/verbs.h"
#include "initd/run/journal_files.h"

namespace fastinit {
namespace {

constexpr auto kFollowInterval = std::chrono::milliseconds(200);
// What -f shows of the past unless -n says otherwise (as journalctl -f).
constexpr uint32_t kFollowTail = 10;

int64_t realtime_now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool since_ok(const LogLine& line, const std::optional<int64_t>& since) {
    return !since || line.realtime_us >= *since;
}

Result<void> print_lines(const std::vector<LogLine>& lines) {
    for (const LogLine& line : lines)
        std::printf("%s\n", format_log_line(line).c_str());
    if (std::fflush(stdout) != 0)
        return Error{"cannot write the lines out", errno};
    return {};
}

// The last `tail` lines (all when 0).
void keep_tail(std::vector<LogLine>& lines, uint32_t tail) {
    if (tail > 0 && lines.size() > tail)
        lines.erase(lines.begin(), lines.end() - tail);
}

// Every line after `after` (the last `tail` when non-zero) since `since`;
// returns the cursor to go on from. With `since` the manager is asked for
// all lines and the client picks the last `tail` of those that qualify.
Result<uint64_t> print_from(ManagerClient& client, const std::vector<std::string>& units,
                            uint64_t after, uint32_t tail, const std::optional<int64_t>& since) {
    std::vector<LogLine> lines;
    uint32_t asked_tail = since ? 0 : tail;
    for (;;) {
        auto page = client.read_log(units, after, asked_tail);
        if (!page)
            return page.error();
        for (LogLine& line : page->lines)
            if (since_ok(line, since))
                lines.push_back(std::move(line));
        after = page->next;
        asked_tail = 0;
        if (!page->more)
            break;
        if (!since) {
            // Nothing to pick from: print each page as it comes.
            if (auto printed = print_lines(lines); !printed)
                return printed.error();
            lines.clear();
        }
    }
    keep_tail(lines, since ? tail : 0);
    if (auto printed = print_lines(lines); !printed)
        return printed.error();
    return after;
}

// A boot before, from the files. Problems go to stderr; a file that could
// not be read at all makes the exit status 1, damaged records do not (the
// last record of a boot that ended abruptly is often cut).
int print_boot_before(const ClientContext& context, const std::string& dir, uint64_t back,
                      const std::vector<std::string>& units, uint32_t tail,
                      const std::optional<int64_t>& since) {
    auto log = read_boot_log(dir, running_journal_boot(context.runtime_dir), back);
    if (!log) {
        std::fprintf(stderr, "fastinit logs: %s\n", log.error().message.c_str());
        return 1;
    }
    int status = 0;
    for (const auto& problem : log->problems) {
        std::fprintf(stderr, "fastinit logs: %s\n", problem.c_str());
        if (problem.find("damaged records") == std::string::npos)
            status = 1;
    }
    std::vector<LogLine> lines;
    for (LogLine& line : log->lines) {
        bool unit_ok =
            units.empty() ? true : std::find(units.begin(), units.end(), line.unit) != units.end();
        if (unit_ok && since_ok(line, since))
            lines.push_back(std::move(line));
    }
    keep_tail(lines, tail);
    if (auto printed = print_lines(lines); !printed) {
        std::fprintf(stderr, "fastinit logs: %s\n", printed.error().message.c_str());
        return 1;
    }
    return status;
}

}  // namespace

int verb_logs(const ClientContext& context, const Args& args) {
    bool follow = false;
    std::string lines_text, boot_text, since_text;
    std::string journal_dir = kJournalDir;
    arg::Spec spec{.options = {arg::flag("-f", follow), arg::flag("--follow", follow),
                               arg::value("-n", lines_text), arg::value("--lines", lines_text),
                               arg::value("--boot", boot_text), arg::value("-b", boot_text),
                               arg::value("--since", since_text),
                               arg::value("--journal-dir", journal_dir)}};
    auto units = arg::parse(spec, args);
    if (!units) {
        std::fprintf(stderr, "fastinit logs: %s\n", units.error().message.c_str());
        return 2;
    }
    uint32_t tail = follow ? kFollowTail : 0;
    if (!lines_text.empty()) {
        char* end = nullptr;
        unsigned long n = std::strtoul(lines_text.c_str(), &end, 10);
        if (*end != '\0' || lines_text[0] == '-' || n > 100000) {
            std::fprintf(stderr, "fastinit logs: -n: expected a number of lines up to 100000\n");
            return 2;
        }
        // -n 0 with -f: only what comes from now on.
        tail = static_cast<uint32_t>(n);
    }
    std::optional<int64_t> since;
    if (!since_text.empty()) {
        auto parsed = parse_since(since_text, realtime_now_us());
        if (!parsed) {
            std::fprintf(stderr, "fastinit logs: --since: %s\n", parsed.error().message.c_str());
            return 2;
        }
        since = *parsed;
    }
    uint64_t back = 0;
    if (!boot_text.empty()) {
        auto parsed = parse_boot_offset(boot_text);
        if (!parsed) {
            std::fprintf(stderr, "fastinit logs: --boot: %s\n", parsed.error().message.c_str());
            return 2;
        }
        back = *parsed;
    }
    if (back > 0) {
        if (follow) {
            std::fprintf(stderr, "fastinit logs: -f follows the running boot only\n");
            return 2;
        }
        return print_boot_before(context, journal_dir, back, *units, tail, since);
    }

    auto client = ManagerClient::connect(context.socket_path());
    if (!client) {
        std::fprintf(stderr, "fastinit: %s\n", client.error().message.c_str());
        return 1;
    }
    uint64_t after = 0;
    if (follow && tail == 0) {
        // -f -n 0: nothing of the past. The newest line's cursor is where a
        // one-line tail ends.
        auto now = client->read_log(*units, 0, 1);
        if (!now) {
            std::fprintf(stderr, "fastinit logs: %s\n", now.error().message.c_str());
            return 1;
        }
        after = now->next;
    } else {
        auto printed = print_from(*client, *units, 0, tail, since);
        if (!printed) {
            std::fprintf(stderr, "fastinit logs: %s\n", printed.error().message.c_str());
            return 1;
        }
        after = *printed;
    }
    while (follow) {
        std::this_thread::sleep_for(kFollowInterval);
        auto printed = print_from(*client, *units, after, 0, since);
        if (!printed) {
            std::fprintf(stderr, "fastinit logs: %s\n", printed.error().message.c_str());
            return 1;
        }
        after = *printed;
    }
    return 0;
}

}  // namespace fastinit
