// The real CgroupControl: the services' cgroups under the manager's own
// place in the cgroup2 hierarchy (cgroup_tree.h has the layout), with the
// warnings the tree reports sent to the log.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "initd/run/cgroup_tree.h"
#include "initd/run/interfaces.h"

namespace fastinit {

// Where the manager's cgroups go, found from /proc/self/mountinfo (the
// cgroup2 mount) and /proc/self/cgroup (the manager's own cgroup): that
// cgroup, or its parent when the manager is already in its init.scope.
// None when there is no cgroup2 hierarchy, or when the manager is not the
// real init and sits in the hierarchy's root (the host's: a namespace test
// is given a cgroup of its own). `why_not` says which.
std::optional<std::string> find_cgroup_root(bool real_boot, std::string& why_not);

class SystemCgroups : public CgroupControl {
  public:
    explicit SystemCgroups(std::string root) : m_tree(std::move(root)) {}
    ~SystemCgroups() override;
    CgroupTree& tree() { return m_tree; }

    // From now on each service's cgroup.events is watched (inotify) on
    // `event`, and `changed(unit)` called when it changes: a cgroup that
    // empties is noticed even when no exit the manager reaps says so (its
    // last process's parent was not the manager).
    void watch_with(sd_event* event, std::function<void(const std::string& unit)> changed);

    Result<std::string> prepare(const std::string& unit, const Service& service) override;
    bool populated(const std::string& unit) override { return m_tree.populated(unit); }
    void kill_all(const std::string& unit, int signal) override { m_tree.kill_all(unit, signal); }
    void remove(const std::string& unit) override;
    std::string path(const std::string& unit) override { return m_tree.path_of(unit); }
    std::vector<std::pair<pid_t, std::string>> processes(const std::string& unit) override;

  private:
    struct Watch {
        SystemCgroups* self;
        std::string unit;
        sd_event_source* source = nullptr;
    };
    static int on_events(sd_event_source*, const struct inotify_event*, void* watch);

    CgroupTree m_tree;
    sd_event* m_event = nullptr;
    std::function<void(const std::string&)> m_changed;
    std::map<std::string, std::unique_ptr<Watch>> m_watches;
};

}  // namespace fastinit
