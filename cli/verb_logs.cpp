// `fastinit logs [-f] [-n N] [UNIT...]`: the manager's journal through
// ReadLog (docs/dbus.md), page by page; with -f it then asks again for what
// came after, every kFollowInterval (polling: one short call, no state kept
// in PID 1 for a follower).
#include <cerrno>
#include <cstdlib>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "base/args.h"
#include "cli/client.h"
#include "cli/log_format.h"
#include "cli/verbs.h"

namespace fastinit {
namespace {

constexpr auto kFollowInterval = std::chrono::milliseconds(200);
// What -f shows of the past unless -n says otherwise (as journalctl -f).
constexpr uint32_t kFollowTail = 10;

// Prints every line after `after` (the last `tail` when non-zero); returns
// the cursor to go on from.
Result<uint64_t> print_from(ManagerClient& client, const std::vector<std::string>& units,
                            uint64_t after, uint32_t tail) {
    for (;;) {
        auto page = client.read_log(units, after, tail);
        if (!page)
            return page.error();
        for (const LogLine& line : page->lines)
            std::printf("%s\n", format_log_line(line).c_str());
        after = page->next;
        tail = 0;
        if (!page->more)
            break;
    }
    if (std::fflush(stdout) != 0)
        return Error{"cannot write the lines out", errno};
    return after;
}

}  // namespace

int verb_logs(const ClientContext& context, const Args& args) {
    bool follow = false;
    std::string lines_text;
    arg::Spec spec{.options = {arg::flag("-f", follow), arg::flag("--follow", follow),
                               arg::value("-n", lines_text), arg::value("--lines", lines_text)}};
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
        auto printed = print_from(*client, *units, 0, tail);
        if (!printed) {
            std::fprintf(stderr, "fastinit logs: %s\n", printed.error().message.c_str());
            return 1;
        }
        after = *printed;
    }
    while (follow) {
        std::this_thread::sleep_for(kFollowInterval);
        auto printed = print_from(*client, *units, after, 0);
        if (!printed) {
            std::fprintf(stderr, "fastinit logs: %s\n", printed.error().message.c_str());
            return 1;
        }
        after = *printed;
    }
    return 0;
}

}  // namespace fastinit
