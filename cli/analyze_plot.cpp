#include "cli/analyze_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "base/initrd_report.h"
#include "base/text.h"

namespace fastinit {
namespace {

constexpr double kLeft = 20, kTop = 70, kRowHeight = 22, kBarHeight = 16;
constexpr double kPlotWidth = 1200;  // the boot's length, in pixels, at most
// A manager that started this long after the kernel is not the machine's
// first userspace (a container, a PID namespace): its picture starts at
// its own start, without a "kernel" bar hours long.
constexpr long long kLongestKernelPhaseUs = 5LL * 60 * 1000000;

struct Bar {
    std::string label;
    long long from_us = 0, to_us = 0;
    const char* colour = "#6aa84f";
    std::optional<long long> wait_from_us;  // a pale part before `from_us`
};

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string duration(long long us) {
    char buf[32];
    if (us >= 1000000)
        std::snprintf(buf, sizeof buf, "%.2fs", static_cast<double>(us) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(us) / 1e3);
    return buf;
}

// A tick step that puts ticks at least 60 px apart.
double tick_step_seconds(double px_per_second) {
    for (double step : {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0})
        if (step * px_per_second >= 60)
            return step;
    return 120.0;
}

std::vector<Bar> phase_bars(const BootMetrics& boot, std::optional<long long>& switch_root_us) {
    std::vector<Bar> bars;
    std::optional<InitrdReport> initrd = initrd_report_of(boot);
    if (initrd) {
        bars.push_back({"kernel", 0, initrd->userspace_start_us, "#d5a6bd", std::nullopt});
        bars.push_back({"initramfs", initrd->userspace_start_us, initrd->switch_root_us, "#9fc5e8",
                        std::nullopt});
        const auto& d = initrd->devices;
        if (!d.mode.empty()) {
            std::string label = "initramfs devices: " + d.mode + ", " +
                                std::to_string(d.modules_loaded) + " modules";
            bars.push_back({label, d.start_us, d.end_us,
                            d.mode == "cache-hit" ? "#93c47d" : "#f6b26b", std::nullopt});
        }
        if (initrd->root.mounted_us > 0)
            bars.push_back({"root " + initrd->root.device + " mounted", d.end_us,
                            initrd->root.mounted_us, "#76a5af", std::nullopt});
        switch_root_us = initrd->switch_root_us;
    } else if (boot.timeline && boot.timeline->boot.manager_start_boottime_us > 0 &&
               boot.timeline->boot.manager_start_boottime_us <= kLongestKernelPhaseUs) {
        bars.push_back(
            {"kernel", 0, boot.timeline->boot.manager_start_boottime_us, "#d5a6bd", std::nullopt});
    }
    if (boot.stage2 && boot.stage2->end_us >= boot.stage2->start_us) {
        const Stage2Report& s = *boot.stage2;
        size_t loaded = (s.completed ? static_cast<size_t>(std::max(0, s.completed->loaded)) : 0) +
                        (s.probed ? s.probed->loaded.size() : 0);
        bars.push_back({"stage 2 devices: " + std::to_string(loaded) + " modules", s.start_us,
                        s.end_us, "#f6b26b", std::nullopt});
    }
    for (auto& bar : bars)
        bar.label += " " + duration(bar.to_us - bar.from_us);
    return bars;
}

std::vector<Bar> unit_bars(const Timeline& t) {
    long long base = t.boot.manager_start_boottime_us;
    std::vector<const TimelineEntry*> units;
    for (const auto& u : t.units)
        if (u.started_us || u.queued_us)
            units.push_back(&u);
    std::stable_sort(units.begin(), units.end(), [](const auto* a, const auto* b) {
        return a->started_us.value_or(a->queued_us.value_or(0)) <
               b->started_us.value_or(b->queued_us.value_or(0));
    });
    std::vector<Bar> bars;
    for (const auto* u : units) {
        long long start = u->started_us.value_or(u->queued_us.value_or(0));
        long long end = u->ready_us.value_or(u->finished_us.value_or(start));
        Bar bar;
        bar.from_us = base + start;
        bar.to_us = base + std::max(end, start);
        if (u->queued_us && *u->queued_us < start)
            bar.wait_from_us = base + *u->queued_us;
        // A target does nothing of its own: all of its time is waiting.
        if (u->type == "target" && end > start) {
            bar.wait_from_us = bar.wait_from_us.value_or(bar.from_us);
            bar.from_us = bar.to_us;
        }
        bar.colour = u->state == "failed"    ? "#cc0000"
                     : u->type == "target"   ? "#8e7cc3"
                     : u->state == "skipped" ? "#b7b7b7"
                                             : "#6aa84f";
        bar.label = u->name + " " + duration(end - start);
        if (u->state != "active" && u->state != "inactive")
            bar.label += " (" + u->state + ")";
        bars.push_back(std::move(bar));
    }
    return bars;
}

}  // namespace

std::string xml_text(std::string_view text) {
    std::string out;
    for (char c : to_valid_utf8(text)) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r')
            out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no such character
        else if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '"')
            out += "&quot;";
        else if (c == '\'')
            out += "&apos;";
        else
            out += c;
    }
    return out;
}

std::string format_plot_svg(const BootMetrics& boot) {
    std::optional<long long> switch_root_us;
    std::vector<Bar> bars = phase_bars(boot, switch_root_us);
    if (boot.timeline)
        for (auto& bar : unit_bars(*boot.timeline))
            bars.push_back(std::move(bar));
    // The axis starts at the kernel's start when a bar begins there, else
    // at the first bar; times on it stay times since the kernel started.
    long long origin_us = bars.empty() ? 0 : bars.front().from_us, end_us = 0;
    for (const auto& b : bars) {
        origin_us = std::min({origin_us, b.from_us, b.wait_from_us.value_or(b.from_us)});
        end_us = std::max({end_us, b.to_us, b.from_us});
    }
    end_us = std::max(end_us, origin_us + 1000);
    double seconds = static_cast<double>(end_us - origin_us) / 1e6;
    double px_per_second = std::clamp(kPlotWidth / seconds, 20.0, 4000.0);
    auto x = [&](long long us) {
        return kLeft + static_cast<double>(us - origin_us) / 1e6 * px_per_second;
    };
    double width = x(end_us) + 420;  // room for the last labels
    double height = kTop + kRowHeight * static_cast<double>(bars.size()) + 40;

    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width) + "\" height=\"" +
           number(height) + "\" viewBox=\"0 0 " + number(width) + ' ' + number(height) + "\">\n";
    svg +=
        "<style>text{font-family:sans-serif;font-size:12px;fill:#222}"
        ".tick{fill:#777;font-size:10px}</style>\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    svg +=
        "<text x=\"" + number(kLeft) + "\" y=\"22\" style=\"font-size:16px\">" +
        xml_text(origin_us == 0 ? "fastinit boot: " + duration(end_us) + " from the kernel's start"
                                : "fastinit: " + duration(end_us - origin_us) +
                                      " from the manager's start (times since the kernel's)") +
        "</text>\n";
    svg += "<text x=\"" + number(kLeft) + "\" y=\"40\" class=\"tick\">" +
           xml_text("pale: waiting for dependencies; solid: started until ready (or ended)") +
           "</text>\n";
    // The time axis: a tick and a faint line every step.
    double step = tick_step_seconds(px_per_second);
    double first_tick = std::ceil(static_cast<double>(origin_us) / 1e6 / step - 1e-9);
    for (int i = 0; (first_tick + i) * step <= static_cast<double>(end_us) / 1e6 + 1e-9; ++i) {
        double at = (first_tick + i) * step;
        double tx = x(static_cast<long long>(at * 1e6));
        svg += "<line x1=\"" + number(tx) + "\" y1=\"" + number(kTop - 8) + "\" x2=\"" +
               number(tx) + "\" y2=\"" + number(height - 30) + "\" stroke=\"#eeeeee\"/>\n";
        char label[32];
        std::snprintf(label, sizeof label, step < 1 ? "%.2fs" : "%.0fs", at);
        svg += "<text class=\"tick\" x=\"" + number(tx + 2) + "\" y=\"" + number(kTop - 12) +
               "\">" + label + "</text>\n";
    }
    if (switch_root_us) {
        double sx = x(*switch_root_us);
        svg += "<line x1=\"" + number(sx) + "\" y1=\"" + number(kTop - 8) + "\" x2=\"" +
               number(sx) + "\" y2=\"" + number(height - 30) +
               "\" stroke=\"#3d85c6\" stroke-dasharray=\"4 3\"/>\n";
        svg += "<text class=\"tick\" x=\"" + number(sx + 3) + "\" y=\"" + number(height - 18) +
               "\">switch_root</text>\n";
    }
    double y = kTop;
    for (const auto& b : bars) {
        if (b.wait_from_us)
            svg += "<rect x=\"" + number(x(*b.wait_from_us)) + "\" y=\"" + number(y) +
                   "\" width=\"" + number(std::max(0.0, x(b.from_us) - x(*b.wait_from_us))) +
                   "\" height=\"" + number(kBarHeight) + "\" fill=\"#e0e0e0\"/>\n";
        svg += "<rect x=\"" + number(x(b.from_us)) + "\" y=\"" + number(y) + "\" width=\"" +
               number(std::max(1.0, x(b.to_us) - x(b.from_us))) + "\" height=\"" +
               number(kBarHeight) + "\" fill=\"" + b.colour + "\"/>\n";
        svg += "<text x=\"" + number(x(b.to_us) + 4) + "\" y=\"" + number(y + 12.5) + "\">" +
               xml_text(b.label) + "</text>\n";
        y += kRowHeight;
    }
    svg += "</svg>\n";
    return svg;
}

}  // namespace fastinit
