// `fastinit modules-load [--modules-dir DIR] [--dry-run] [SOURCE...]`: loads
// the modules listed in modules-load.d and /etc/modules through libkmod, as
// systemd-modules-load does, and says what it loaded. SOURCEs (directories
// of *.conf files, or files) replace the usual ones. Exit status 1 when a
// line was bad or a module did not load; everything else still loads.
#include <cstdio>
#include <optional>
#include <string>

#include "base/args.h"
#include "cli/verbs.h"
#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/module_tree.h"
#include "device-cache/modules_load.h"
#include "device-cache/modules_load_here.h"

namespace fastinit {
namespace {

const char kUsage[] =
    "usage: fastinit modules-load [--modules-dir DIR] [--dry-run] [SOURCE...]\n"
    "  loads the modules named in /etc/modules-load.d, /run/modules-load.d,\n"
    "  /usr/lib/modules-load.d, /lib/modules-load.d (*.conf) and /etc/modules;\n"
    "  SOURCEs (directories or files) replace those. --dry-run resolves only.\n";

}  // namespace

int verb_modules_load(const Args& args) {
    std::optional<std::string> modules_dir;
    bool dry_run = false;
    bool help = false;
    arg::Spec spec{.options = {arg::value("--modules-dir", modules_dir),
                               arg::flag("--dry-run", dry_run), arg::flag("--help", help, 'h')}};
    auto sources = arg::parse(spec, args);
    if (!sources) {
        std::fprintf(stderr, "fastinit modules-load: %s\n\n%s", sources.error().message.c_str(),
                     kUsage);
        return 2;
    }
    if (help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    ModulesLoadList list =
        read_modules_load(sources->empty() ? default_modules_load_sources() : *sources);
    bool failed = false;
    for (const auto& problem : list.problems) {
        std::fprintf(stderr, "fastinit modules-load: %s\n", problem.c_str());
        failed = failed || problem.find(": warning: ") == std::string::npos;
    }
    if (list.modules.empty()) {
        std::printf("no modules to load\n");
        return failed ? 1 : 0;
    }
    ModuleTree tree = modules_dir ? module_tree_at(*modules_dir) : running_module_tree();
    auto resolver = KmodResolver::open(tree);
    if (!resolver) {
        std::fprintf(stderr, "fastinit modules-load: %s\n", resolver.error().message.c_str());
        return 1;
    }
    KmodLoader loader(tree);
    ModulesLoadReport report =
        load_listed_modules(list.modules, *resolver, dry_run ? nullptr : &loader);
    for (const auto& line : report.lines)
        std::printf("%s\n", line.c_str());
    for (const auto& error : report.errors)
        std::fprintf(stderr, "fastinit modules-load: %s\n", error.c_str());
    return failed || !report.errors.empty() ? 1 : 0;
}

}  // namespace fastinit
