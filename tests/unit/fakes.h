// Fakes for the manager's seams: a process table that records what the
// manager asked for, timers the test fires by hand, and a clock the test
// moves. Tests drive the Manager exactly as the event loop would.
#pragma once

#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "initd/graph/graph.h"
#include "initd/run/manager.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {

// Failures print the words, not the enums' numbers.
inline void PrintTo(UnitState state, std::ostream* out) {
    *out << to_string(state);
}
inline void PrintTo(UnitResult result, std::ostream* out) {
    *out << '"' << to_string(result) << '"';
}

}  // namespace fastinit

namespace fastinit::testing {

// Units from {name, TOML} pairs; parse errors fail loudly.
inline UnitSet make_units(const std::vector<std::pair<std::string, std::string>>& files) {
    UnitSet set;
    for (const auto& [name, text] : files) {
        ParsedUnit parsed = parse_unit(name, name + ".toml", text);
        if (parsed.unit)
            set.units.emplace(name, std::move(*parsed.unit));
        else
            set.broken.emplace(name, parsed.diagnostics.at(0).to_string());
    }
    return set;
}

inline std::string oneshot(const std::string& unit_section = "") {
    return "[unit]\n" + unit_section + "\n[service]\ntype = \"oneshot\"\nexec = [\"/bin/true\"]\n";
}

inline std::string service(const std::string& type, const std::string& unit_section = "",
                           const std::string& extra = "") {
    return "[unit]\n" + unit_section + "\n[service]\ntype = \"" + type +
           "\"\nexec = [\"/bin/daemon\"]\n" + extra;
}

class FakeClock : public TimeSource {
  public:
    TimePoint now() override { return m_now; }
    void advance(Duration d) { m_now += d; }

  private:
    TimePoint m_now = TimePoint(std::chrono::seconds(1000));
};

class FakeProcesses : public ProcessControl {
  public:
    struct Spawn {
        UnitId unit;
        SpawnRequest request;
    };
    void spawn(UnitId unit, SpawnRequest request) override {
        spawns.push_back({unit, std::move(request)});
    }
    void kill(pid_t pid, int signal) override {
        // Whatever a test does, the manager never asks for these.
        if (pid >= -1 && pid <= 1)
            ADD_FAILURE() << "the manager asked to signal " << pid;
        kills.emplace_back(pid, signal);
    }
    void kill_process(pid_t pid, int signal) override {
        if (pid <= 1)
            ADD_FAILURE() << "the manager asked to signal " << pid << " alone";
        process_kills.emplace_back(pid, signal);
    }
    std::optional<pid_t> session_of(pid_t pid) override { return lookup(sessions, pid); }
    std::optional<pid_t> parent_of(pid_t pid) override { return lookup(parents, pid); }
    void remove_runtime_directories(const std::string& unit,
                                    const std::vector<std::string>& names) override {
        for (const auto& name : names)
            removed_directories.push_back(unit + ":" + name);
    }
    std::vector<std::string> removed_directories;
    Result<std::string> read_pid_file(const std::string& path) override {
        ++pid_file_reads;
        auto it = pid_files.find(path);
        if (it == pid_files.end())
            return Error{"cannot open " + path + ": No such file or directory"};
        return it->second;
    }

    std::vector<std::string> spawned_names() const {
        std::vector<std::string> names;
        for (const auto& s : spawns)
            names.push_back(s.request.unit);
        return names;
    }
    bool was_signalled(pid_t pid, int signal) const {
        for (const auto& k : kills)
            if (k.first == pid && k.second == signal)
                return true;
        return false;
    }

    std::vector<Spawn> spawns;
    std::vector<std::pair<pid_t, int>> kills;
    std::vector<std::pair<pid_t, int>> process_kills;  // kill_process: one process alone
    // What session_of and parent_of answer; a pid not listed does not exist.
    std::map<pid_t, pid_t> sessions;
    std::map<pid_t, pid_t> parents;
    // Pid files by path; a path not listed does not exist.
    std::map<std::string, std::string> pid_files;
    int pid_file_reads = 0;

  private:
    static std::optional<pid_t> lookup(const std::map<pid_t, pid_t>& map, pid_t pid) {
        auto it = map.find(pid);
        if (it == map.end())
            return std::nullopt;
        return it->second;
    }
};

class FakeTimers : public TimerControl {
  public:
    void arm(UnitId unit, TimerKind kind, TimePoint deadline) override {
        armed[{unit, kind}] = deadline;
        history.push_back({unit, kind, deadline});
    }
    void disarm(UnitId unit, TimerKind kind) override { armed.erase({unit, kind}); }
    bool is_armed(UnitId unit, TimerKind kind) const { return armed.count({unit, kind}) > 0; }

    struct Armed {
        UnitId unit;
        TimerKind kind;
        TimePoint deadline;
    };
    std::map<std::pair<UnitId, TimerKind>, TimePoint> armed;
    std::vector<Armed> history;
};

class FakeConditions : public ConditionContext {
  public:
    bool path_exists(const std::string& path) override { return paths.count(path) > 0; }
    const std::vector<std::string>& kernel_cmdline_words() override { return cmdline; }
    std::set<std::string> paths;
    std::vector<std::string> cmdline;
};

// Cgroups as sets of pids the test fills in; kill_all and remove recorded.
class FakeCgroups : public CgroupControl {
  public:
    Result<std::string> prepare(const std::string& unit, const Service&) override {
        prepared.push_back(unit);
        if (fail_prepare)
            return Error{"cannot create cgroup /cg/" + unit + ".service: Permission denied"};
        return "/cg/" + unit + ".service";
    }
    bool populated(const std::string& unit) override { return !members[unit].empty(); }
    void kill_all(const std::string& unit, int signal) override {
        kills.emplace_back(unit, signal);
    }
    void remove(const std::string& unit) override { removed.push_back(unit); }
    std::string path(const std::string& unit) override { return "/cg/" + unit + ".service"; }
    std::vector<std::pair<pid_t, std::string>> processes(const std::string& unit) override {
        std::vector<std::pair<pid_t, std::string>> out;
        for (pid_t pid : members[unit])
            out.emplace_back(pid, "proc" + std::to_string(pid));
        return out;
    }
    bool was_killed(const std::string& unit, int signal) const {
        for (const auto& k : kills)
            if (k.first == unit && k.second == signal)
                return true;
        return false;
    }

    std::map<std::string, std::set<pid_t>> members;
    std::vector<std::string> prepared;
    std::vector<std::pair<std::string, int>> kills;
    std::vector<std::string> removed;
    bool fail_prepare = false;
};

// Devices as a set the test fills in; what the manager watches, recorded.
// appear() is the watcher's report (Harness::device_appears sends it).
class FakeDevices : public DeviceWatcher {
  public:
    bool present(const std::string& spec) override {
        ++looks;
        return there.count(spec) > 0;
    }
    void watch(const std::string& spec) override { watched.insert(spec); }
    void unwatch(const std::string& spec) override { watched.erase(spec); }
    std::set<std::string> there;
    std::set<std::string> watched;  // being looked for now
    int looks = 0;
};

// A manager over fakes, with helpers that play the event loop's part.
class Harness {
  public:
    enum class Cgroups { none, fake };
    explicit Harness(const std::vector<std::pair<std::string, std::string>>& files,
                     Cgroups with = Cgroups::none)
        : manager(build_graph(make_units(files)),
                  ManagerSeams{processes, timers, clock, conditions,
                               with == Cgroups::fake ? &cgroups : nullptr, &devices},
                  ManagerOptions{"/run/fastinit/notify", {"PATH=/bin"}, kManagerPid}) {}

    // From a graph built by the test (templates, instances).
    struct FromGraph {};
    Harness(FromGraph, Graph graph)
        : manager(std::move(graph),
                  ManagerSeams{processes, timers, clock, conditions, nullptr, &devices},
                  ManagerOptions{"/run/fastinit/notify", {"PATH=/bin"}, kManagerPid}) {}

    // The manager's own pid in these tests.
    static constexpr pid_t kManagerPid = 42;

    UnitId id(const std::string& name) const { return *manager.find(name); }
    UnitState state(const std::string& name) const { return manager.runtime(id(name)).state; }
    const UnitRuntime& runtime(const std::string& name) const { return manager.runtime(id(name)); }

    // Completes the most recent pending spawn of `name` with a fresh pid.
    pid_t spawned(const std::string& name) {
        pid_t pid = m_next_pid++;
        manager.on_spawned(id(name), SpawnResult{pid, 0});
        pids[name] = pid;
        return pid;
    }
    void exited(const std::string& name, int code = 0, int signal = 0) {
        manager.on_exit(pids.at(name), ExitStatus{code, signal});
    }
    void fire(const std::string& name, TimerKind kind) {
        ASSERT_TRUE(timers.is_armed(id(name), kind));
        timers.disarm(id(name), kind);
        manager.on_timer(id(name), kind);
    }
    // The device shows up and the watcher reports it, as the real one does.
    void device_appears(const std::string& spec) {
        devices.there.insert(spec);
        if (devices.watched.erase(spec))
            manager.on_device_present(spec);
    }
    size_t spawn_count(const std::string& name) const {
        size_t n = 0;
        for (const auto& s : processes.spawns)
            n += s.request.unit == name;
        return n;
    }

    FakeClock clock;
    FakeProcesses processes;
    FakeTimers timers;
    FakeConditions conditions;
    FakeCgroups cgroups;
    FakeDevices devices;
    Manager manager;
    std::map<std::string, pid_t> pids;

  private:
    pid_t m_next_pid = 100;
};

}  // namespace fastinit::testing
