#include "initd/run/cgroup_tree.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "base/text.h"
#include "base/unique_fd.h"

namespace fastinit {
namespace {

// cgroupfs files take one write() each: a short write would be a partial
// command, so it counts as a failure.
Result<void> write_text(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
    if (!fd)
        return system_error("cannot open " + path);
    ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0)
        return system_error("cannot write \"" + text + "\" to " + path);
    if (static_cast<size_t>(n) != text.size())
        return Error{"short write of \"" + text + "\" to " + path};
    return {};
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
        size_t end = text.find('\n');
        out.push_back(text.substr(0, end));
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return out;
}

std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        auto blank = [&](size_t k) { return line[k] == ' ' || line[k] == '\t' || line[k] == '\n'; };
        while (i < line.size() && blank(i))
            ++i;
        size_t start = i;
        while (i < line.size() && !blank(i))
            ++i;
        if (i > start)
            out.push_back(line.substr(start, i - start));
    }
    return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            auto [end, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 4, v, 8);
            if (ec == std::errc() && end == s.data() + i + 4) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

}  // namespace

std::string service_cgroup_name(std::string_view unit) {
    return std::string(unit) + ".service";
}

std::optional<std::string> cgroup2_mount_point(std::string_view mountinfo) {
    // "36 25 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw": the
    // fifth field is the mount point, the first after " - " the type.
    for (std::string_view line : lines_of(mountinfo)) {
        auto words = words_of(line);
        size_t dash = 0;
        while (dash < words.size() && words[dash] != "-")
            ++dash;
        if (words.size() < 5 || dash + 1 >= words.size() || words[dash + 1] != "cgroup2")
            continue;
        return unescape_octal(words[4]);
    }
    return std::nullopt;
}

std::optional<std::string> unified_cgroup_path(std::string_view proc_self_cgroup) {
    for (std::string_view line : lines_of(proc_self_cgroup))
        if (line.starts_with("0::/"))
            return std::string(line.substr(3));
    return std::nullopt;
}

CgroupTree::CgroupTree(std::string root, Killer killer)
    : m_root(std::move(root)), m_killer(std::move(killer)) {
    if (!m_killer)
        m_killer = [](pid_t pid, int signal) { ::kill(pid, signal); };
}

std::string CgroupTree::path_of(std::string_view unit) const {
    return m_root + "/" + service_cgroup_name(unit);
}

Result<std::vector<std::string>> CgroupTree::adopt_manager(pid_t pid) {
    std::string scope = m_root + "/init.scope";
    if (::mkdir(scope.c_str(), 0755) < 0 && errno != EEXIST)
        return system_error("cannot create " + scope);
    if (auto moved = write_text(scope + "/cgroup.procs", std::to_string(pid)); !moved)
        return moved.error();
    std::vector<std::string> problems;
    auto controllers = read_file(m_root + "/cgroup.controllers");
    if (!controllers) {
        problems.push_back(controllers.error().message);
        return problems;
    }
    for (std::string_view name : words_of(*controllers)) {
        // One at a time: a controller that cannot be enabled (the parent
        // does not delegate it) must not keep the others off.
        auto enabled = write_text(m_root + "/cgroup.subtree_control", "+" + std::string(name));
        if (!enabled)
            problems.push_back("controller " + std::string(name) + ": " + enabled.error().message);
    }
    return problems;
}

Result<std::vector<std::string>> CgroupTree::prepare(std::string_view unit,
                                                     const CgroupLimits& limits) {
    std::string dir = path_of(unit);
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
        return system_error("cannot create cgroup " + dir);
    std::vector<std::string> warnings;
    struct Limit {
        const std::optional<std::string>& value;
        const char* key;
        const char* file;
    };
    for (const Limit& l : {Limit{limits.memory_max, "memory_max", "memory.max"},
                           Limit{limits.tasks_max, "tasks_max", "pids.max"},
                           Limit{limits.cpu_weight, "cpu_weight", "cpu.weight"}}) {
        if (!l.value)
            continue;
        std::string file = dir + "/" + l.file;
        if (::access(file.c_str(), F_OK) != 0) {
            warnings.push_back(std::string(unit) + ": " + l.key + " not applied: " + l.file +
                               " is missing (its controller is not available)");
            continue;
        }
        if (auto written = write_text(file, *l.value); !written)
            warnings.push_back(std::string(unit) + ": " + l.key +
                               " not applied: " + written.error().message);
    }
    return warnings;
}

bool CgroupTree::populated(std::string_view unit) const {
    auto events = read_file(path_of(unit) + "/cgroup.events");
    if (!events)
        return false;
    for (std::string_view line : lines_of(*events))
        if (line == "populated 1")
            return true;
    return false;
}

std::vector<pid_t> CgroupTree::processes(std::string_view unit) const {
    std::vector<pid_t> pids;
    auto procs = read_file(path_of(unit) + "/cgroup.procs");
    if (!procs)
        return pids;
    for (std::string_view line : lines_of(*procs)) {
        pid_t pid = 0;
        auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc() && end == line.data() + line.size() && pid > 0)
            pids.push_back(pid);
    }
    return pids;
}

void CgroupTree::kill_all(std::string_view unit, int signal) {
    if (signal == SIGKILL && write_text(path_of(unit) + "/cgroup.kill", "1"))
        return;
    pid_t self = ::getpid();
    for (pid_t pid : processes(unit))
        if (pid > 1 && pid != self)
            m_killer(pid, signal);
}

void CgroupTree::remove(std::string_view unit) {
    ::rmdir(path_of(unit).c_str());
}

}  // namespace fastinit
