// The arguments of org.fastinit1.Manager methods, which anyone who can
// connect to the control socket sends: handle_bus_call, the code the bus
// server runs for every method, over a manager of fakes whose units include
// one named with bad UTF-8 and whose notify unit said a STATUS= from the
// input. Invariants: every string of every reply is well-formed UTF-8 (else
// sd-bus refuses the reply), an error echoes a bounded part of what was
// sent, and a caller other than root changes nothing and reboots nothing.
//
// Input: the first NUL-terminated segment is a notify datagram from the
// notify unit; then calls, each one selector byte (method and caller) and an
// argument up to the next NUL.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"
#include "fuzz/inert_seams.h"
#include "initd/control/bus_calls.h"
#include "initd/graph/graph.h"
#include "initd/run/manager.h"
#include "initd/run/notify_message.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

constexpr pid_t kManager = 42;
constexpr pid_t kUnit = 100;
// The longest error a call may send back: a sentence plus the bounded echo.
constexpr size_t kLongestError = 1024;

class Processes : public ProcessControl {
  public:
    void spawn(size_t, SpawnRequest) override {}
    void kill(pid_t, int) override {}
    void kill_process(pid_t, int) override {}
    std::optional<pid_t> session_of(pid_t pid) override {
        return pid == kUnit ? std::optional<pid_t>(kUnit) : std::nullopt;
    }
    void remove_runtime_directories(const std::string&, const std::vector<std::string>&) override {}
    Result<std::string> read_pid_file(const std::string&) override {
        return Error{"no pid files here"};
    }
    std::optional<pid_t> parent_of(pid_t pid) override {
        return pid == kUnit ? std::optional<pid_t>(kManager) : std::nullopt;
    }
};

const Graph& graph() {
    static const Graph g = [] {
        UnitSet set;
        const char* n = "[service]\ntype = \"notify\"\nexec = [\"/bin/n\"]\n";
        const char* bad =
            "[unit]\ndescription = \"d\\u00e9j\\u00e0\"\n"
            "[service]\ntype = \"oneshot\"\nexec = [\"/bin/true\"]\n";
        const char* target = "[unit]\nrequires = [\"n\"]\n";
        set.units.emplace("n", fixture_unit("n", n));
        // A name no file could give (the loader refuses it), to prove that
        // replies stay UTF-8 whatever a unit is called.
        Unit odd = fixture_unit("b", bad);
        odd.name = "b\xff\xc3";
        set.units.emplace(odd.name, std::move(odd));
        set.units.emplace("default", fixture_unit("default", target));
        return build_graph(set);
    }();
    return g;
}

void check(bool ok) {
    if (!ok)
        std::abort();
}

void check_reply(const BusReply& reply) {
    check(is_valid_utf8(reply.error_name) && is_valid_utf8(reply.error_message));
    check(reply.error_message.size() <= kLongestError);
    check(is_valid_utf8(reply.text));
    for (const auto& u : reply.units)
        check(is_valid_utf8(u.name) && is_valid_utf8(u.description) && is_valid_utf8(u.state) &&
              is_valid_utf8(u.result) && is_valid_utf8(u.status_text));
    for (const auto& [key, value] : reply.properties) {
        check(is_valid_utf8(key));
        if (const auto* text = std::get_if<std::string>(&value))
            check(is_valid_utf8(*text));
    }
}

std::vector<UnitState> states(const Manager& manager) {
    std::vector<UnitState> out;
    for (size_t i = 0; i < manager.graph().nodes.size(); ++i)
        out.push_back(manager.runtime(i).state);
    return out;
}

}  // namespace
}  // namespace fastinit

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    constexpr const char* methods[] = {"ListUnits", "GetUnit",      "StartUnit",
                                       "StopUnit",  "RestartUnit",  "BootTimeline",
                                       "Reboot",    "NoSuchMethod", ""};
    constexpr uid_t uids[] = {0, 65534, 1000};
    std::string_view input(reinterpret_cast<const char*>(data), size);

    // One manager for every input: building one per input cost more than
    // all the calls made on it. The calls' invariants hold in every state it
    // can reach, so what earlier inputs left (units started or stopped, a
    // status) only widens what is covered; each input begins by saying its
    // own STATUS=, and a crash found here replays from a fresh manager.
    static Processes processes;
    static Timers timers;
    static Time time;
    static FakeConditions conditions;
    static Manager& manager = []() -> Manager& {
        static Manager m(graph(), ManagerSeams{processes, timers, time, conditions},
                         ManagerOptions{"/notify", {"PATH=/bin"}, kManager});
        (void)m.start("default");
        m.on_spawned(*m.find("n"), SpawnResult{kUnit, 0});
        return m;
    }();

    size_t end = input.find('\0');
    (void)manager.on_notify(kUnit, 0,
                            parse_notify_message("STATUS=\n" + std::string(input.substr(0, end))));
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);

    bool rebooted = false;
    uid_t caller = 0;
    BusCallContext context{
        manager, caller,
        [&](const std::string& mode) {
            check(caller == 0);
            check(is_valid_utf8(mode));
            rebooted = true;
            return mode == "poweroff" ? std::string() : "unsupported mode " + mode;
        },
        [&] { return std::string("{\"status\": \"") + std::string(input) + "\"}"; }};
    // A few calls per input: more add nothing but time per execution.
    for (size_t i = 0; !input.empty() && i < 16; ++i) {
        unsigned char selector = static_cast<unsigned char>(input[0]);
        input.remove_prefix(1);
        end = input.find('\0');
        std::string_view argument = input.substr(0, end);
        input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);

        caller = uids[(selector / std::size(methods)) % std::size(uids)];
        context.uid = caller;
        std::string_view method = methods[selector % std::size(methods)];
        auto before = states(manager);
        rebooted = false;
        BusReply reply = handle_bus_call(context, method, argument);
        check_reply(reply);
        if (context.uid != 0)
            check(!rebooted && states(manager) == before);
    }
    return 0;
}
