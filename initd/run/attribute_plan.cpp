#include "initd/run/attribute_plan.h"

#include <linux/capability.h>

#include <charconv>
#include <string>

#include "base/text.h"

namespace fastinit {

int io_priority_value(IoClass io_class, int priority) {
    // linux/ioprio.h: the class in the bits above IOPRIO_CLASS_SHIFT (13);
    // the idle class has no levels.
    int data = io_class == IoClass::idle ? 0 : priority;
    return (static_cast<int>(io_class) << 13) | data;
}

AttributePlan plan_attributes(const ProcessAttributes& a, int last_cap) {
    AttributePlan plan;
    for (const ResourceLimit& limit : a.limits) {
        if (plan.limit_count == RLIM_NLIMITS)
            break;
        auto& out = plan.limits[plan.limit_count++];
        out.resource = limit.resource;
        out.value.rlim_cur = static_cast<rlim_t>(limit.soft);
        out.value.rlim_max = static_cast<rlim_t>(limit.hard);
    }
    if (a.umask) {
        plan.set_umask = true;
        plan.umask = *a.umask;
    }
    if (a.nice) {
        plan.set_nice = true;
        plan.nice = *a.nice;
    }
    if (a.io_class || a.io_priority) {
        plan.set_io_priority = true;
        plan.io_priority =
            io_priority_value(a.io_class.value_or(IoClass::best_effort), a.io_priority.value_or(4));
    }
    CPU_ZERO(&plan.cpus);
    if (!a.cpu_affinity.empty()) {
        plan.set_affinity = true;
        for (int cpu : a.cpu_affinity)
            if (cpu >= 0 && cpu < CPU_SETSIZE)
                CPU_SET(cpu, &plan.cpus);
    }
    if (a.oom_score_adj) {
        plan.set_oom_score_adj = true;
        std::string text = std::to_string(*a.oom_score_adj) + "\n";
        text.copy(plan.oom_score_adj, sizeof plan.oom_score_adj - 1);
        plan.oom_score_adj_length = text.size();
    }
    if (a.capability_bounding_set) {
        for (int cap = 0; cap <= last_cap && cap < 64; ++cap)
            if (!(*a.capability_bounding_set & (uint64_t{1} << cap)))
                plan.bounding_drops[plan.bounding_drop_count++] = cap;
    }
    if (a.ambient_capabilities && *a.ambient_capabilities != 0) {
        // Names are checked against libcap's list, which may know newer
        // capabilities than the running kernel; raising one of those fails
        // the start (EINVAL), so they are left out, as systemd does.
        uint64_t known = last_cap >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last_cap + 1)) - 1;
        plan.ambient = *a.ambient_capabilities & known;
        plan.set_ambient = plan.ambient != 0;
    }
    plan.no_new_privileges = a.no_new_privileges;
    return plan;
}

int read_last_capability() {
    if (auto text = read_file_at_most("/proc/sys/kernel/cap_last_cap", 16)) {
        int value = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec == std::errc() && value >= 0 && value < 64)
            return value;
    }
    return CAP_LAST_CAP;
}

}  // namespace fastinit
