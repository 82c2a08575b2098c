// `fastinit check DIR... [--target NAME] [--fstab FILE] [--root DIR]`:
// validates unit files offline and reports problems without running
// anything: every unit's references, programs and users (unit_check.h),
// whatever the target, and the graph's cycles. --root resolves programs and
// users under another root, where a missing one is only a warning. With
// --fstab, the units that fstab generates at boot join the check, and the
// fstab's own problems are reported (as if stage 1 left / read-only, the
// usual case, so the root's fsck shows).
#include <cstdio>

#include "base/args.h"
#include "cli/verbs.h"
#include "initd/graph/graph.h"
#include "initd/graph/unit_check.h"
#include "initd/run/user_db.h"
#include "initd/unit/fstab_units.h"
#include "initd/unit/unit_file_reader.h"
#include "initd/unit/unit_loader.h"

namespace fastinit {
namespace {

// A unit file's text for line numbers in messages; empty if it went away.
std::string unit_text(const std::string& path) {
    auto text = read_unit_file(path);
    return text ? std::move(*text) : std::string();
}

// Users and groups from the checked root's /etc/passwd and /etc/group, as
// the manager resolves them (no NSS).
class PasswdUserProbe : public UserProbe {
  public:
    explicit PasswdUserProbe(std::string etc) : m_etc(std::move(etc)) {}
    std::string problem(const std::string& user, const std::string& group) override {
        auto found = resolve_credentials(user, group, m_etc);
        return found ? std::string() : found.error().message;
    }

  private:
    std::string m_etc;
};

}  // namespace

int verb_check(const ClientContext&, const Args& args) {
    std::string target;
    std::string fstab;
    std::string root;
    auto dirs = arg::parse({.options = {arg::value("--target", target),
                                        arg::value("--fstab", fstab), arg::value("--root", root)}},
                           args);
    if (!dirs) {
        std::fprintf(stderr, "fastinit check: %s\n", dirs.error().message.c_str());
        return 2;
    }
    if (dirs->empty()) {
        std::fprintf(stderr,
                     "usage: fastinit check DIR... [--target NAME] [--fstab FILE] [--root DIR]\n");
        return 2;
    }

    UnitSet units = load_units(*dirs);
    // The unit files' programs, before fstab's units join: those run
    // fastinit's own helpers, not programs an admin named.
    RootProgramProbe programs(root.empty() ? "/" : root);
    bool other_root = !root.empty() && root != "/";
    ProgramCheck how{.other_root = other_root, .read_text = unit_text};
    std::vector<Diagnostic> missing_programs = program_problems(units, programs, how);
    PasswdUserProbe users((other_root ? root : std::string()) + "/etc");
    for (auto& d : user_problems(units, users, how))
        missing_programs.push_back(std::move(d));
    if (!fstab.empty())
        load_fstab_units(
            units,
            {.fstab_path = fstab, .root_read_only = true, .client_program = "/usr/sbin/fastinit"});
    if (!target.empty())
        instantiate_templates(units, {target});  // the target may be an instance
    Graph graph = build_graph(units);
    int errors = 0, warnings = 0;
    auto print = [&](const Diagnostic& d) {
        std::printf("%s\n", d.to_string().c_str());
        (d.severity == Diagnostic::Severity::error ? errors : warnings)++;
    };
    for (const auto& d : units.diagnostics)
        print(d);
    for (const auto& [name, unit] : units.units)
        if (!unit.dropins.empty()) {
            std::printf("%s: drop-ins:", name.c_str());
            for (const auto& path : unit.dropins)
                std::printf(" %s", path.c_str());
            std::printf("\n");
        }
    for (const auto& d : graph.problems)
        print(d);
    for (const auto& d : reference_problems(graph, unit_text))
        print(d);
    for (const auto& d : missing_programs)
        print(d);
    if (target.empty() && graph.find("default"))
        target = "default";
    if (!target.empty()) {
        auto start = graph.find(target);
        if (!start || graph.nodes[*start].status == NodeStatus::missing) {
            std::printf("error: target %s does not exist\n", target.c_str());
            ++errors;
        } else {
            // Its closure's missing and broken units are among the
            // reference problems above.
            std::printf("target %s pulls in %zu units\n", target.c_str(),
                        graph.closure(*start).size());
        }
    }
    std::printf("%zu units loaded, %zu broken: %d errors, %d warnings\n", units.units.size(),
                units.broken.size(), errors, warnings);
    return errors ? 1 : 0;
}

}  // namespace fastinit
