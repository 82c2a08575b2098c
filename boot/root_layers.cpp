#include "boot/root_layers.h"

#include <algorithm>
#include <sstream>

#include "device-cache/root_stack.h"

namespace fastinit {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::vector<std::string> default_layer_modules(const std::string& kind) {
    if (kind == "md")
        return {"md_mod", "raid1", "raid0", "raid10", "raid456"};
    if (kind == "lvm")
        return {"dm_mod", "dm_snapshot", "dm_mirror"};
    if (kind == "luks")
        return kLuksModules;
    return {};
}

bool names_a_layer_node(const std::string& source) {
    if (!source.starts_with("/dev/"))
        return false;
    std::string rest = source.substr(5);
    if (rest.starts_with("mapper/") || rest.starts_with("md") || rest.starts_with("dm-"))
        return true;
    // /dev/VG/LV: two components, the first none of the kernel's or udev's
    // own directories.
    size_t slash = rest.find('/');
    if (slash == std::string::npos || slash == 0 || rest.find('/', slash + 1) != std::string::npos)
        return false;
    static const std::vector<std::string> kNotVolumeGroups = {"disk", "block", "char", "bsg",
                                                              "bus",  "input", "snd",  "net"};
    return !contains(kNotVolumeGroups, rest.substr(0, slash));
}

LayerPlan plan_root_layers(const std::string& source, const RootRecord* cached,
                           const std::vector<std::string>& tools) {
    LayerPlan plan;
    if (tools.empty())
        return plan;
    if (cached && cached->known()) {
        for (const RootLayer& layer : cached->layers) {
            if (contains(tools, layer.kind))
                plan.layers.push_back(layer);
            else if (!contains(plan.missing_tools, layer.kind))
                plan.missing_tools.push_back(layer.kind);
        }
        plan.why = kFromTheRecord;
        if (!plan.layers.empty())
            return plan;
        // A record without layers (a plain root, or one from before layers
        // were recorded) goes on as if there were none: the grace costs a
        // plain root nothing, and a stale record cannot strand a stacked one.
    }
    for (const std::string& kind : kLayerKinds)
        if (contains(tools, kind))
            plan.layers.push_back({kind, "", default_layer_modules(kind)});
    if (names_a_layer_node(source)) {
        plan.why = "root=" + source + " names an assembled device";
    } else {
        plan.after_grace = true;
        plan.why = "root=" + source + " was not there after " + format_duration(kLayerGrace);
    }
    return plan;
}

std::vector<MdArrayState> parse_mdstat(const std::string& text) {
    std::vector<MdArrayState> arrays;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.starts_with("md") || line.find(" : ") == std::string::npos) {
            // The status line under an array: "... [2/1] [U_]".
            if (!arrays.empty() && arrays.back().total == 0) {
                size_t open = line.find('[');
                while (open != std::string::npos) {
                    int total = 0, working = 0;
                    char slash = 0, close = 0;
                    std::istringstream counts(line.substr(open + 1));
                    if (counts >> total >> slash >> working >> close && slash == '/' &&
                        close == ']') {
                        arrays.back().total = total;
                        arrays.back().working = working;
                        break;
                    }
                    open = line.find('[', open + 1);
                }
            }
            continue;
        }
        MdArrayState array;
        std::istringstream words(line);
        std::string word;
        words >> array.name >> word;  // the name, ":"
        while (words >> word) {
            if (word == "active")
                array.active = true;
            else if (word.starts_with("raid") || word == "linear")
                array.level = word;
            else if (word != "inactive" && !word.starts_with("("))
                break;  // the member devices
        }
        arrays.push_back(array);
    }
    return arrays;
}

std::string describe_md_array(const MdArrayState& array) {
    if (!array.active)
        return array.name + ": inactive (not enough devices to start it)";
    if (array.total == 0)  // raid0 and linear show no device counts
        return array.name + ": " + (array.level.empty() ? "active" : array.level);
    std::string devices =
        std::to_string(array.working) + " of " + std::to_string(array.total) + " devices";
    if (array.degraded())
        return array.name + ": degraded, " + devices;
    return array.name + ": " + (array.level.empty() ? "active" : array.level) + ", " + devices;
}

}  // namespace fastinit
