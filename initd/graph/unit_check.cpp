#include "initd/graph/unit_check.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fastinit {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

Diagnostic at(Diagnostic::Severity severity, const Unit& unit, std::string_view section,
              std::string_view key, std::string message,
              std::string (*read_text)(const std::string&)) {
    Diagnostic d;
    d.severity = severity;
    d.file = unit.path;
    d.key = std::string(section) + "." + std::string(key);
    d.message = std::move(message);
    if (read_text) {
        d.line = find_key_line(read_text(unit.path), section, key);
        d.column = d.line ? 1 : 0;
    }
    return d;
}

}  // namespace

int find_key_line(std::string_view text, std::string_view section, std::string_view key) {
    bool in_section = false;
    int number = 0;
    while (!text.empty()) {
        ++number;
        size_t end = text.find('\n');
        std::string_view line = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (line.starts_with('[')) {
            size_t close = line.find(']');
            in_section =
                close != std::string_view::npos && trim(line.substr(1, close - 1)) == section;
            continue;
        }
        if (in_section && line.starts_with(key) && trim(line.substr(key.size())).starts_with('='))
            return number;
    }
    return 0;
}

std::vector<Diagnostic> reference_problems(const Graph& graph,
                                           std::string (*read_text)(const std::string&)) {
    using Severity = Diagnostic::Severity;
    std::vector<Diagnostic> out;
    for (const Node& node : graph.nodes) {
        if (!node.unit)
            continue;
        const Unit& unit = *node.unit;
        // `strict`: a broken dependency counts too (it cannot start either);
        // otherwise only a missing one is worth a word here, as a broken file
        // has its own diagnostics.
        auto check = [&](const std::vector<std::string>& names, std::string_view key,
                         Severity severity, bool strict) {
            for (const auto& name : names) {
                auto i = graph.find(name);
                const Node* dep = i ? &graph.nodes[*i] : nullptr;
                if (dep && dep->status == NodeStatus::loaded)
                    continue;
                if (dep && dep->status == NodeStatus::broken && !strict)
                    continue;
                std::string why = dep ? dep->failure : "no unit file named " + name + ".toml";
                std::string message = strict ? unit.name + " " + std::string(key) + " " + name +
                                                   ", which cannot start (" + why + ")"
                                             : unit.name + " names " + name + " in " +
                                                   std::string(key) + ", which does not exist (" +
                                                   why + ")";
                if (severity == Severity::error)
                    message += "; " + unit.name + " will be skipped";
                out.push_back(at(severity, unit, "unit", key, std::move(message), read_text));
            }
        };
        check(unit.requires_, "requires", Severity::error, true);
        check(unit.wants, "wants", Severity::warning, true);
        check(unit.after, "after", Severity::warning, false);
        check(unit.before, "before", Severity::warning, false);
        check(unit.wanted_by, "wanted_by", Severity::warning, false);
    }
    return out;
}

std::string RootProgramProbe::problem(const std::string& program) {
    // The kernel resolves the whole path as if the root were "/"
    // (openat2's RESOLVE_IN_ROOT): an absolute link or ".." in any
    // component, not only the last, stays inside the root.
    int root = ::open(m_root.empty() ? "/" : m_root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return "cannot open the root " + m_root + ": " + std::strerror(errno);
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;
    int fd = static_cast<int>(::syscall(SYS_openat2, root, program.c_str(), &how, sizeof how));
    int error = errno;
    ::close(root);
    if (fd < 0)
        return error == ELOOP ? "too many levels of symbolic links" : std::strerror(error);
    struct stat st;
    int stat_ok = ::fstat(fd, &st);
    error = errno;
    ::close(fd);
    if (stat_ok != 0)
        return std::strerror(error);
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
        return "not executable";
    return "";
}

std::vector<Diagnostic> program_problems(const UnitSet& units, ProgramProbe& probe,
                                         const ProgramCheck& how) {
    using Severity = Diagnostic::Severity;
    std::vector<Diagnostic> out;
    for (const auto& entry : units.units) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const Unit& unit = entry.second;
        if (!unit.service)
            continue;
        const Service& s = *unit.service;
        bool soft = how.other_root || !unit.conditions.empty();
        auto check = [&](const std::string& program, std::string_view key, bool tolerated) {
            std::string why = probe.problem(program);
            if (why.empty())
                return;
            std::string message = "program " + program + " cannot be run: " + why;
            if (!unit.conditions.empty())
                message += " (the unit has conditions and may be skipped)";
            else if (tolerated)
                message += " (its failure is tolerated)";
            out.push_back(at(soft || tolerated ? Severity::warning : Severity::error, unit,
                             "service", key, std::move(message), how.read_text));
        };
        if (!s.exec.empty())
            check(s.exec[0], "exec", false);
        const std::pair<const std::vector<Command>*, const char*> lists[] = {
            {&s.exec_start_pre, "exec_start_pre"},
            {&s.exec_start_post, "exec_start_post"},
            {&s.exec_stop, "exec_stop"},
            {&s.exec_stop_post, "exec_stop_post"},
            {&s.exec_reload, "exec_reload"}};
        for (const auto& [commands, key] : lists)
            for (const auto& c : *commands)
                if (!c.argv.empty())
                    check(c.argv[0], key, c.tolerate_failure);
    }
    return out;
}

std::vector<Diagnostic> user_problems(const UnitSet& units, UserProbe& probe,
                                      const ProgramCheck& how) {
    std::vector<Diagnostic> out;
    for (const auto& [name, unit] : units.units) {
        if (!unit.service || (unit.service->user.empty() && unit.service->group.empty()))
            continue;
        std::string why = probe.problem(unit.service->user, unit.service->group);
        if (why.empty())
            continue;
        bool soft = how.other_root || !unit.conditions.empty();
        if (!unit.conditions.empty())
            why += " (the unit has conditions and may be skipped)";
        out.push_back(at(soft ? Diagnostic::Severity::warning : Diagnostic::Severity::error, unit,
                         "service", unit.service->user.empty() ? "group" : "user", why,
                         how.read_text));
    }
    return out;
}

}  // namespace fastinit
