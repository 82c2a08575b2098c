#include "cli/analyze_prometheus.h"

#include <cstdio>
#include <vector>

#include "base/initrd_report.h"
#include "base/text.h"

namespace fastinit {
namespace {

std::string seconds(long long us) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
    return buf;
}

// One metric family: its HELP and TYPE lines, then its samples.
class Family {
  public:
    Family(std::string name, std::string help, const char* type = "gauge")
        : m_name(std::move(name)), m_help(std::move(help)), m_type(type) {}
    // labels: "name" "value" pairs.
    void add(const std::vector<std::pair<std::string, std::string>>& labels,
             const std::string& value) {
        std::string line = m_name;
        if (!labels.empty()) {
            line += '{';
            for (size_t i = 0; i < labels.size(); ++i)
                line += (i ? "," : "") + labels[i].first + "=\"" +
                        prometheus_label_value(labels[i].second) + '"';
            line += '}';
        }
        m_samples += line + ' ' + value + '\n';
    }
    void write_to(std::string& out) const {
        if (m_samples.empty())
            return;
        out += "# HELP " + m_name + ' ' + m_help + '\n';
        out += "# TYPE " + m_name + ' ' + m_type + '\n';
        out += m_samples;
    }

  private:
    std::string m_name, m_help, m_type, m_samples;
};

}  // namespace

std::string prometheus_label_value(std::string_view value) {
    std::string out;
    for (char c : to_valid_utf8(value)) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::optional<InitrdReport> initrd_report_of(const BootMetrics& boot) {
    if (boot.initrd_json.empty())
        return std::nullopt;
    auto report = parse_initrd_report(boot.initrd_json);
    if (!report || report->switch_root_us <= 0)
        return std::nullopt;  // not a report, or a stage 1 that never switched
    return std::move(*report);
}

std::string format_prometheus(const BootMetrics& boot) {
    Family phases("fastinit_boot_phase_seconds",
                  "How long each phase of this boot took (kernel: until the first userspace "
                  "program; initrd: until the switch to the root; userspace: until the last unit "
                  "was ready; total: all three).");
    Family devices("fastinit_boot_devices_info",
                   "How the initramfs brought up the devices: mode cache-hit or probe, and why "
                   "it probed.");
    Family modules("fastinit_boot_modules",
                   "Kernel modules the device phases loaded or failed to load.");
    Family path("fastinit_boot_path_info",
                "How this kernel was entered: kexec, firmware (through a boot loader), or "
                "unknown.");
    Family started("fastinit_unit_started_seconds", "When the unit was started, since boot.");
    Family ready("fastinit_unit_ready_seconds",
                 "When the unit became ready (or, for one that ended, finished), since boot.");
    Family state("fastinit_unit_state_info", "The unit's state and result when the boot ended.");
    Family failed("fastinit_boot_units_failed", "Units of this boot that failed.");

    long long kernel_end = 0, switched = 0;
    std::optional<InitrdReport> initrd = initrd_report_of(boot);
    if (initrd) {
        kernel_end = initrd->userspace_start_us;
        switched = initrd->switch_root_us;
        phases.add({{"phase", "kernel"}}, seconds(kernel_end));
        phases.add({{"phase", "initrd"}}, seconds(switched - kernel_end));
        const auto& d = initrd->devices;
        if (!d.mode.empty()) {
            phases.add({{"phase", "initrd_devices"}}, seconds(d.end_us - d.start_us));
            devices.add({{"mode", d.mode}, {"reason", d.reason}}, "1");
            modules.add({{"phase", "initrd"}, {"outcome", "loaded"}},
                        std::to_string(d.modules_loaded));
            modules.add({{"phase", "initrd"}, {"outcome", "failed"}},
                        std::to_string(d.modules_failed));
        }
    }
    if (boot.stage2 && boot.stage2->end_us >= boot.stage2->start_us) {
        const Stage2Report& s = *boot.stage2;
        phases.add({{"phase", "stage2_devices"}}, seconds(s.end_us - s.start_us));
        size_t loaded = 0, failed_modules = 0;
        if (s.completed) {
            loaded += static_cast<size_t>(std::max(0, s.completed->loaded));
            failed_modules += static_cast<size_t>(std::max(0, s.completed->failed));
        }
        if (s.probed) {
            loaded += s.probed->loaded.size();
            failed_modules += s.probed->failed.size();
        }
        modules.add({{"phase", "stage2"}, {"outcome", "loaded"}}, std::to_string(loaded));
        modules.add({{"phase", "stage2"}, {"outcome", "failed"}}, std::to_string(failed_modules));
    }
    if (const Timeline* t = boot.timeline) {
        long long manager_start = t->boot.manager_start_boottime_us;
        long long end = manager_start + t->makespan_us;
        if (!initrd && manager_start > 0)
            phases.add({{"phase", "kernel"}}, seconds(manager_start));
        if (manager_start > 0 || initrd) {
            phases.add({{"phase", "userspace"}},
                       seconds(end - (initrd ? switched : manager_start)));
            phases.add({{"phase", "total"}}, seconds(end));
        }
        int failures = 0;
        for (const auto& u : t->units) {
            if (u.started_us)
                started.add({{"unit", u.name}}, seconds(manager_start + *u.started_us));
            if (auto at = u.ready_us ? u.ready_us : u.finished_us)
                ready.add({{"unit", u.name}}, seconds(manager_start + *at));
            state.add({{"unit", u.name}, {"state", u.state}, {"result", u.result}}, "1");
            failures += u.state == "failed";
        }
        failed.add({}, std::to_string(failures));
    }
    path.add({{"path", boot_path_name(boot.boot_path)}}, "1");

    std::string out;
    for (const Family* f : {&phases, &devices, &modules, &path, &failed, &started, &ready, &state})
        f->write_to(out);
    return out;
}

}  // namespace fastinit
