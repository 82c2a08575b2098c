#include "initd/run/system_cgroups.h"

#include <sys/inotify.h>

#include <cstring>

#include "base/log.h"
#include "base/text.h"

namespace fastinit {

std::optional<std::string> find_cgroup_root(bool real_boot, std::string& why_not) {
    auto mountinfo = read_file("/proc/self/mountinfo");
    auto mount = mountinfo ? cgroup2_mount_point(*mountinfo) : std::nullopt;
    if (!mount) {
        why_not = "no cgroup2 hierarchy is mounted";
        return std::nullopt;
    }
    auto own = read_file("/proc/self/cgroup");
    auto path = own ? unified_cgroup_path(*own) : std::nullopt;
    if (!path) {
        why_not = "/proc/self/cgroup has no cgroup2 (0::) line";
        return std::nullopt;
    }
    if (path->ends_with("/init.scope"))
        path->resize(path->size() - std::string_view("/init.scope").size());
    if (*path == "/")
        path->clear();
    if (!real_boot && path->empty()) {
        why_not = "the manager is in the root cgroup of " + *mount +
                  " and is not the real init; give it a cgroup of its own to use cgroups";
        return std::nullopt;
    }
    return *mount + *path;
}

std::vector<std::pair<pid_t, std::string>> SystemCgroups::processes(const std::string& unit) {
    // Bounded: a fork bomb in a unit must not make a status call huge.
    constexpr size_t kMaxListed = 1024;
    std::vector<std::pair<pid_t, std::string>> out;
    for (pid_t pid : m_tree.processes(unit)) {
        if (out.size() == kMaxListed)
            break;
        auto comm = read_file_at_most("/proc/" + std::to_string(pid) + "/comm", 64);
        std::string name = comm ? *comm : "?";
        if (!name.empty() && name.back() == '\n')
            name.pop_back();
        out.emplace_back(pid, std::move(name));
    }
    return out;
}

SystemCgroups::~SystemCgroups() {
    for (auto& [unit, watch] : m_watches)
        sd_event_source_disable_unref(watch->source);
}

void SystemCgroups::watch_with(sd_event* event,
                               std::function<void(const std::string& unit)> changed) {
    m_event = event;
    m_changed = std::move(changed);
}

int SystemCgroups::on_events(sd_event_source*, const struct inotify_event*, void* userdata) {
    auto* watch = static_cast<Watch*>(userdata);
    // A copy: the callback may remove the cgroup, and with it this watch.
    std::string unit = watch->unit;
    watch->self->m_changed(unit);
    return 0;
}

void SystemCgroups::remove(const std::string& unit) {
    if (auto it = m_watches.find(unit); it != m_watches.end()) {
        sd_event_source_disable_unref(it->second->source);
        m_watches.erase(it);
    }
    m_tree.remove(unit);
}

Result<std::string> SystemCgroups::prepare(const std::string& unit, const Service& service) {
    CgroupLimits limits{service.memory_max, service.tasks_max, service.cpu_weight};
    auto warnings = m_tree.prepare(unit, limits);
    if (!warnings) {
        log::warning(unit, ": starting outside its own cgroup: ", warnings.error().message);
        return warnings.error();
    }
    for (const auto& w : *warnings)
        log::warning(w);
    std::string path = m_tree.path_of(unit);
    if (m_event && !m_watches.count(unit)) {
        auto watch = std::make_unique<Watch>(Watch{this, unit});
        int r = sd_event_add_inotify(m_event, &watch->source, (path + "/cgroup.events").c_str(),
                                     IN_MODIFY, on_events, watch.get());
        if (r < 0)  // still tracked: exits the manager reaps look at it
            log::warning(unit, ": cannot watch ", path, "/cgroup.events: ", strerror(-r));
        else
            m_watches.emplace(unit, std::move(watch));
    }
    return path;
}

}  // namespace fastinit
