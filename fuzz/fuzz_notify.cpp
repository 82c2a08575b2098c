// Notify datagrams, which any local process can send to PID 1: the parser,
// and the manager's handling of what it parsed (over fakes), with the
// invariant that no notification ever makes the manager signal PID 1, -1, 0,
// itself, or another unit's process. (The victim's own process may have the
// victim killed: WATCHDOG_USEC= then WATCHDOG=trigger from it is its own
// business, so once it has spoken it is no longer protected.)
//
// Input: byte 0 picks the first sender, byte 1 the sender's uid, bytes 2-5
// a signal number the unit's process then dies of; the rest is datagrams
// separated by NUL bytes, each from the next sender in turn.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "fuzz/inert_seams.h"
#include "initd/graph/graph.h"
#include "initd/run/manager.h"
#include "initd/run/notify_message.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

constexpr pid_t kManager = 42;
constexpr pid_t kUnit = 100;    // n's first process and session
constexpr pid_t kVictim = 200;  // another unit's process

bool g_victim_protected = true;

class Processes : public ProcessControl {
  public:
    void spawn(size_t, SpawnRequest) override {}
    void kill(pid_t pid, int) override {
        pid_t process = pid < 0 ? -pid : pid;
        if (process <= 1 || process == kManager || (g_victim_protected && process == kVictim))
            std::abort();
    }
    void kill_process(pid_t pid, int signal) override { kill(pid, signal); }
    // Who is who: n's session leader and a helper in its session, a child of
    // n's that left the session, the victim, a stranger, PID 1, the manager.
    std::optional<pid_t> session_of(pid_t pid) override {
        switch (pid) {
            case kUnit:
            case 101:
                return kUnit;
            case 102:
            case kVictim:
            case 300:
                return pid;
            case 1:
            case kManager:
                return 1;
        }
        return std::nullopt;
    }
    void remove_runtime_directories(const std::string&, const std::vector<std::string>&) override {}
    Result<std::string> read_pid_file(const std::string&) override {
        return Error{"no pid files here"};
    }
    std::optional<pid_t> parent_of(pid_t pid) override {
        switch (pid) {
            case 101:
                return kUnit;
            case 102:
                return 101;
            case kUnit:
            case kVictim:
                return kManager;
            case 300:
                return 1;
            case kManager:
                return 0;
        }
        return std::nullopt;
    }
};

const Graph& graph() {
    static const Graph g = [] {
        UnitSet set;
        const char* n =
            "[service]\ntype = \"notify\"\nexec = [\"/bin/n\"]\nuser = \"nobody\"\n"
            "restart = \"on-failure\"\nwatchdog = \"1s\"\n";
        const char* victim = "[service]\ntype = \"simple\"\nexec = [\"/bin/victim\"]\n";
        set.units.emplace("n", fixture_unit("n", n));
        set.units.emplace("victim", fixture_unit("victim", victim));
        return build_graph(set);
    }();
    return g;
}

}  // namespace
}  // namespace fastinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    (void)parse_notify_message(input);
    if (size < 6)
        return 0;

    constexpr pid_t senders[] = {kUnit, 101, 102, kVictim, 300, 1, kManager, 0, -1, 99999};
    constexpr uid_t uids[] = {0, 65534, 1000};
    size_t sender = data[0];
    uid_t uid = uids[data[1] % 3];
    int signal;
    std::memcpy(&signal, data + 2, sizeof signal);
    input.remove_prefix(6);

    g_victim_protected = true;
    Processes processes;
    Timers timers;
    Time time;
    FakeConditions conditions;
    Manager manager(graph(), ManagerSeams{processes, timers, time, conditions},
                    ManagerOptions{"/notify", {"PATH=/bin"}, kManager});
    size_t n = *manager.find("n");
    size_t victim = *manager.find("victim");
    (void)manager.start("victim");
    (void)manager.start("n");
    manager.on_spawned(victim, SpawnResult{kVictim, 0});
    manager.on_spawned(n, SpawnResult{kUnit, 65534});

    // A few datagrams per input: more add nothing but time per execution.
    for (size_t i = 0; !input.empty() && i < 16; ++i) {
        size_t end = input.find('\0');
        std::string_view datagram = input.substr(0, end);
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
        pid_t from = senders[(sender + i) % std::size(senders)];
        if (from == kVictim)
            g_victim_protected = false;
        (void)manager.on_notify(from, uid, parse_notify_message(datagram));
    }
    // Every path that signals a unit: watchdog, start timeout, stop timeout, stop,
    // the exit that kills what is left of the session, then a restart.
    manager.on_timer(n, TimerKind::watchdog);
    manager.on_timer(n, TimerKind::start_timeout);
    manager.on_timer(n, TimerKind::stop_timeout);
    (void)manager.stop("n");
    if (pid_t main_pid = manager.runtime(n).main_pid)
        manager.on_exit(main_pid, ExitStatus{0, signal});
    (void)ExitStatus{0, signal}.to_string();
    g_victim_protected = false;
    manager.shutdown();
    return 0;
}
