#include "cli/devices_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "base/text.h"

namespace fastinit {
namespace {

std::string pad(std::string text, size_t width) {
    if (text.size() < width)
        text.append(width - text.size(), ' ');
    return text;
}

std::string microseconds(int64_t us) {
    char text[32];
    if (us >= 10000)
        std::snprintf(text, sizeof text, "%.1fms", static_cast<double>(us) / 1000.0);
    else
        std::snprintf(text, sizeof text, "%lldus", static_cast<long long>(us));
    return text;
}

std::string local_time(int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    char text[64] = "?";
    if (::localtime_r(&t, &tm))
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string prerequisites_text(const ModuleSpec& spec) {
    std::vector<std::string> parts;
    for (const Prerequisite& p : spec.after)
        parts.push_back(p.hard()
                            ? p.module
                            : p.module + "(" + std::string(prerequisite_kind_name(p.kind)) + ")");
    return parts.empty() ? "-" : join(parts, " ");
}

std::string dmi_text(const std::map<std::string, std::string>& dmi) {
    std::vector<std::string> parts;
    for (const auto& [key, value] : dmi)
        parts.push_back(key + "=" + value);
    return parts.empty() ? "(none)" : join(parts, ", ");
}

// Long modaliases (a CPU's feature list) are cut so tables stay readable;
// --json has them whole.
std::string short_modalias(const std::string& modalias) {
    constexpr size_t kWidth = 56;
    if (modalias.size() <= kWidth)
        return modalias;
    return modalias.substr(0, kWidth - 3) + "...";
}

std::map<std::string, std::vector<std::string>> modules_by_alias(
    const std::vector<AliasMatch>& aliases) {
    std::map<std::string, std::vector<std::string>> by_alias;
    for (const AliasMatch& match : aliases) {
        auto& names = by_alias[match.modalias];
        names.insert(names.end(), match.modules.begin(), match.modules.end());
        names.insert(names.end(), match.not_needed.begin(), match.not_needed.end());
    }
    return by_alias;
}

}  // namespace

std::string format_modules(const std::vector<CachedModule>& modules) {
    size_t name_width = 6;
    for (const CachedModule& m : modules)
        name_width = std::max(name_width, m.spec.name.size());
    std::string out = "  " + pad("#", 4) + pad("MODULE", name_width + 2) + pad("STATUS", 13) +
                      pad("LOAD", 10) + "AFTER\n";
    for (size_t i = 0; i < modules.size(); ++i) {
        const CachedModule& m = modules[i];
        out += "  " + pad(std::to_string(i + 1), 4) + pad(m.spec.name, name_width + 2) +
               pad(std::string(load_status_name(m.status)), 13) +
               pad(m.status == LoadStatus::not_loaded ? "-" : microseconds(m.load_us), 10) +
               prerequisites_text(m.spec) + "\n";
        if (!m.spec.options.empty())
            out += "        options: " + m.spec.options + "\n";
        if (!m.reason.empty())
            out += "        " + m.reason + "\n";
    }
    return out;
}

std::string format_probe(const ProbeResult& probe) {
    std::string out;
    size_t fingerprinted = fingerprint_devices(probe.initial_devices).size();
    out += std::to_string(probe.devices.size()) + " devices with a modalias (" +
           std::to_string(fingerprinted) + " in the fingerprint), " + std::to_string(probe.rounds) +
           (probe.rounds == 1 ? " round" : " rounds") + "\n\n";
    auto by_alias = modules_by_alias(probe.aliases);
    out += "devices:\n  " + pad("SUBSYSTEM", 10) + pad("MODALIAS", 58) + "MODULES\n";
    for (const DeviceRecord& device : probe.devices) {
        auto found = by_alias.find(device.modalias);
        std::string modules =
            found == by_alias.end() || found->second.empty() ? "-" : join(found->second, " ");
        out += "  " + pad(device.subsystem, 10) + pad(short_modalias(device.modalias), 58) +
               modules + "\n";
    }
    out += "\nmodules in load order (" + std::to_string(probe.modules.size()) + "):\n";
    out += format_modules(probe.modules);
    for (const std::string& note : probe.notes)
        out += "note: " + note + "\n";
    return out;
}

std::string format_fingerprint_comparison(const Fingerprint& cached, const Fingerprint& now) {
    auto row = [](const std::string& part, const std::string& a, const std::string& b) {
        std::string mark = a == b ? "  " : "! ";
        return mark + pad(part, 14) + "cached: " + a + "\n" + "  " + pad("", 14) + "now:    " + b +
               "\n";
    };
    std::string out;
    out += row("kernel", cached.kernel_release, now.kernel_release);
    out += row("module index", cached.module_index, now.module_index);
    out += row("dmi", dmi_text(cached.dmi), dmi_text(now.dmi));
    out += row("devices", std::to_string(cached.devices.size()) + " modaliases",
               std::to_string(now.devices.size()) + " modaliases");
    if (cached.devices != now.devices && cached.devices.size() == now.devices.size())
        out += "  (same count, different devices)\n";
    return out;
}

std::string format_cache(const DeviceCache& cache) {
    std::string out;
    out += "written " + local_time(cache.written_at) + " for kernel " +
           cache.fingerprint.kernel_release + " (" + cache.modules_dir + ")\n\n";
    out += "fingerprint:\n";
    out += "  " + pad("kernel", 14) + cache.fingerprint.kernel_release + "\n";
    out += "  " + pad("module index", 14) + cache.fingerprint.module_index + "\n";
    out += "  " + pad("dmi", 14) + dmi_text(cache.fingerprint.dmi) + "\n";
    out += "  " + pad("devices", 14) + std::to_string(cache.fingerprint.devices.size()) +
           " modaliases\n\n";

    out += "modules in load order (" + std::to_string(cache.modules.size()) + "):\n";
    out += format_modules(cache.modules);

    auto by_alias = modules_by_alias(cache.aliases);
    out += "\ndevices (" + std::to_string(cache.devices.size()) + "):\n";
    out += "  " + pad("SUBSYSTEM", 12) + pad("FLAGS", 11) + pad("MODALIAS", 58) + "MODULES\n";
    for (const DeviceRecord& device : cache.devices) {
        auto found = by_alias.find(device.modalias);
        std::string modules =
            found == by_alias.end() || found->second.empty() ? "-" : join(found->second, " ");
        std::string flags = device.removable           ? "removable"
                            : device.created_by_module ? "by-module"
                                                       : "-";
        out += "  " + pad(device.subsystem, 12) + pad(flags, 11) +
               pad(short_modalias(device.modalias), 58) + modules + "\n";
    }

    if (!cache.timings.empty()) {
        out += "\nprobe timings:\n";
        for (const PhaseTiming& timing : cache.timings)
            out += "  round " + std::to_string(timing.round) + "  " + pad(timing.phase, 12) +
                   microseconds(timing.duration_us) + "\n";
    }
    return out;
}

nlohmann::json cache_to_json(const DeviceCache& cache) {
    using nlohmann::json;
    json fingerprint = {{"kernel", cache.fingerprint.kernel_release},
                        {"module_index", cache.fingerprint.module_index},
                        {"dmi", cache.fingerprint.dmi},
                        {"devices", cache.fingerprint.devices}};
    json devices = json::array();
    for (const DeviceRecord& d : cache.devices)
        devices.push_back({{"syspath", d.syspath},
                           {"subsystem", d.subsystem},
                           {"modalias", d.modalias},
                           {"removable", d.removable},
                           {"created_by_module", d.created_by_module}});
    json aliases = json::array();
    for (const AliasMatch& a : cache.aliases)
        aliases.push_back(
            {{"modalias", a.modalias}, {"modules", a.modules}, {"not_needed", a.not_needed}});
    json modules = json::array();
    for (const CachedModule& m : cache.modules) {
        json after = json::array();
        for (const Prerequisite& p : m.spec.after)
            after.push_back({{"module", p.module}, {"kind", prerequisite_kind_name(p.kind)}});
        modules.push_back({{"name", m.spec.name},
                           {"path", m.spec.path},
                           {"options", m.spec.options},
                           {"matched_by_alias", m.spec.matched_by_alias},
                           {"after", after},
                           {"status", load_status_name(m.status)},
                           {"errno", m.errno_value},
                           {"reason", m.reason},
                           {"start_us", m.start_us},
                           {"load_us", m.load_us},
                           {"round", m.round}});
    }
    json timings = json::array();
    for (const PhaseTiming& t : cache.timings)
        timings.push_back({{"round", t.round}, {"phase", t.phase}, {"duration_us", t.duration_us}});
    json layers = json::array();
    for (const RootLayer& l : cache.root.layers)
        layers.push_back({{"kind", l.kind}, {"name", l.name}, {"modules", l.modules}});
    json root = {{"source", cache.root.source},
                 {"modules", cache.root.modules},
                 {"fstype", cache.root.fstype},
                 {"device", cache.root.device},
                 {"layers", layers}};
    return {{"modules_dir", cache.modules_dir},
            {"written_at", cache.written_at},
            {"root", root},
            {"fingerprint", fingerprint},
            {"devices", devices},
            {"aliases", aliases},
            {"modules", modules},
            {"timings", timings}};
}

}  // namespace fastinit
