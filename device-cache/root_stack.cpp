#include "device-cache/root_stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/text.h"
#include "device-cache/sysfs_paths.h"

namespace fastinit {
namespace {

// Deeper than any real stack; stops a loop in a damaged tree.
constexpr int kMaxDepth = 16;

// A sysfs attribute's value without its newline; "" when unreadable.
std::string read_attribute(const std::string& path) {
    auto text = read_file(path);
    if (!text)
        return "";
    while (!text->empty() && (text->back() == '\n' || text->back() == ' '))
        text->pop_back();
    return *text;
}

void add_once(std::vector<std::string>& to, const std::vector<std::string>& names) {
    for (const std::string& name : names)
        if (std::find(to.begin(), to.end(), name) == to.end())
            to.push_back(name);
}

class StackReader {
  public:
    explicit StackReader(const std::string& sysfs) : m_sysfs(sysfs) {}

    // Post-order: what a layer is made of is assembled before it.
    Result<void> visit(const std::string& dir, int depth) {
        if (depth > kMaxDepth)
            return Error{"the storage stack under " + dir + " is deeper than " +
                         std::to_string(kMaxDepth) + " layers"};
        auto layer = layer_of(dir);
        if (!layer)
            return layer.error();
        if (layer->kind.empty()) {
            add_once(m_stack.modules, device_dir_driver_modules(dir, m_sysfs));
            return {};
        }
        std::vector<std::string> slaves;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(dir + "/slaves", ec))
            slaves.push_back(entry.path().filename().string());
        std::sort(slaves.begin(), slaves.end());
        for (const std::string& slave : slaves) {
            std::string slave_dir = resolve_link_in(dir + "/slaves", slave);
            if (slave_dir.empty())
                return Error{"cannot follow " + dir + "/slaves/" + slave};
            FI_TRY(visit(slave_dir, depth + 1));
        }
        bool seen = std::any_of(m_stack.layers.begin(), m_stack.layers.end(),
                                [&](const RootLayer& l) { return l.name == layer->name; });
        if (!seen)
            m_stack.layers.push_back(*layer);
        return {};
    }

    RootStack take() { return std::move(m_stack); }

  private:
    // The layer block device directory `dir` is; kind "" for a disk or a
    // partition.
    Result<RootLayer> layer_of(const std::string& dir) {
        RootLayer layer;
        layer.name = last_component(dir);
        std::string level = read_attribute(dir + "/md/level");
        if (!level.empty()) {
            layer.kind = "md";
            layer.modules = md_level_modules(level);
            return layer;
        }
        if (::access((dir + "/dm").c_str(), F_OK) == 0) {
            std::string uuid = read_attribute(dir + "/dm/uuid");
            if (uuid.starts_with("LVM-")) {
                layer.kind = "lvm";
                layer.modules = {"dm_mod"};
                return layer;
            }
            if (uuid.starts_with("CRYPT-LUKS")) {
                layer.kind = "luks";
                layer.name = read_attribute(dir + "/dm/name");
                if (layer.name.empty())
                    return Error{"the root's LUKS mapping " + last_component(dir) +
                                 " has no dm/name"};
                for (const std::string& module : kLuksModules)
                    if (::access((m_sysfs + "/module/" + module).c_str(), F_OK) == 0)
                        layer.modules.push_back(module);
                return layer;
            }
            return Error{"the root's device-mapper device " + layer.name + " (uuid \"" + uuid +
                         "\") is of a kind stage 1 cannot assemble"};
        }
        return RootLayer{};
    }

    std::string m_sysfs;
    RootStack m_stack;
};

}  // namespace

std::vector<std::string> md_level_modules(const std::string& level) {
    std::vector<std::string> modules{"md_mod"};
    if (level == "raid4" || level == "raid5" || level == "raid6")
        modules.push_back("raid456");
    else if (level == "raid0" || level == "raid1" || level == "raid10" || level == "linear")
        modules.push_back(level);
    return modules;
}

std::string format_root_layers(const std::vector<RootLayer>& layers) {
    std::string text;
    for (const RootLayer& layer : layers) {
        text += layer.kind + " " + layer.name;
        for (const std::string& module : layer.modules)
            text += " " + module;
        text += "\n";
    }
    return text;
}

std::vector<RootLayer> parse_root_layers(const std::string& text) {
    std::vector<RootLayer> layers;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = std::min(text.find('\n', start), text.size());
        std::vector<std::string> words;
        size_t pos = start;
        while (pos < end) {
            size_t space = std::min(text.find(' ', pos), end);
            if (space > pos)
                words.push_back(text.substr(pos, space - pos));
            pos = space + 1;
        }
        if (words.size() >= 2)
            layers.push_back({words[0], words[1], {words.begin() + 2, words.end()}});
        start = end + 1;
    }
    return layers;
}

Result<RootStack> block_device_stack(dev_t device, const std::string& sysfs) {
    auto dir = block_device_dir(device, sysfs);
    if (!dir)
        return dir.error();
    StackReader reader(sysfs);
    FI_TRY(reader.visit(*dir, 0));
    return reader.take();
}

Result<RootStack> root_device_stack(const std::string& device_node) {
    struct stat info {};
    if (::stat(device_node.c_str(), &info) != 0)
        return system_error("cannot look at " + device_node);
    if (!S_ISBLK(info.st_mode))
        return Error{device_node + " is not a block device"};
    return block_device_stack(info.st_rdev);
}

}  // namespace fastinit
