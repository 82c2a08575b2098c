// `fastinit devices probe|show|status|invalidate|apply|stage2|keep|reindex`: the known-devices
// cache by hand. Every subcommand takes --cache PATH and --modules-dir DIR,
// so it can be tried against any kernel's module tree without touching the
// machine's real cache.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "base/args.h"
#include "base/initrd_report.h"
#include "base/json_text.h"
#include "base/kernel_cmdline.h"
#include "base/log.h"
#include "base/paths.h"
#include "base/text.h"
#include "boot/stage2.h"
#include "cli/devices_format.h"
#include "cli/verbs.h"
#include "device-cache/apply_here.h"
#include "device-cache/cache_check.h"
#include "device-cache/cache_store.h"
#include "device-cache/image_reindex.h"
#include "device-cache/kmod_loader.h"
#include "device-cache/kmod_resolver.h"
#include "device-cache/module_path.h"
#include "device-cache/modules_load.h"
#include "device-cache/sysfs_device_source.h"
#include "initd/pid1/device_handover.h"

namespace fastinit {
namespace {

// A printf format: the handed-over cache's path, then the device cache's.
const char kUsage[] =
    "usage: fastinit devices SUBCOMMAND [--cache PATH] [--modules-dir DIR]\n"
    "  probe [--dry-run|--no-load]   enumerate, resolve, load until nothing new\n"
    "                                appears, write the cache (--dry-run: print\n"
    "                                only; --no-load: write without loading)\n"
    "  show [--json]                 the cached devices and modules\n"
    "  status [--initrd-report FILE] the boot's check: exit 0 valid (the next\n"
    "                                boot uses it), 1 stale (it probes), 2 absent\n"
    "                                or damaged; the module index is the one\n"
    "                                stage 1 recorded in FILE (default\n"
    "                                /run/fastinit/initrd.json) unless\n"
    "                                --modules-dir is given\n"
    "  invalidate                    remove the cache; the next boot probes\n"
    "  apply [--reprobe] [--cmdline FILE]\n"
    "                                what boot does: cached modules if the\n"
    "                                fingerprint matches, else a full probe\n"
    "  stage2                        what the manager of a real boot runs once\n"
    "                                the root is up: load what the initramfs left\n"
    "                                behind, the root's own modules (from\n"
    "                                their cache, else a probe); keep the caches\n"
    "                                on the root (logs to kmsg)\n"
    "  keep [--from PATH]            copy the cache stage 1 handed over (--from,\n"
    "                                default %s) to --cache once its filesystem\n"
    "                                is writable, and stage 2's (%s\n"
    "                                beside each); exit 1 naming path and errno\n"
    "                                while it is not (read-only root)\n"
    "defaults: --cache %s,\n"
    "          --modules-dir /lib/modules/$(uname -r)\n";

void print_usage(FILE* out) {
    std::fprintf(out, kUsage, paths::kHandedOverCache, paths::kRootModulesCacheName,
                 paths::kDeviceCache);
}

struct DevicesArgs {
    std::string subcommand;
    std::string cache = paths::kDeviceCache;
    std::optional<std::string> modules_dir;
    std::string cmdline = "/proc/cmdline";
    std::string from = paths::kHandedOverCache;
    std::string initrd_report = paths::kInitrdReport;
    std::optional<std::string> source_modules_dir;
    bool dry_run = false;
    bool no_load = false;
    bool json = false;
    bool reprobe = false;

    ModuleTree tree() const {
        return modules_dir ? module_tree_at(*modules_dir) : running_module_tree();
    }
};

// Every subcommand takes every option (those it has no use for are ignored),
// before or after the subcommand's name.
std::optional<DevicesArgs> parse_args(const Args& args) {
    DevicesArgs parsed;
    bool help = false;
    arg::Spec spec{
        .options = {arg::value("--cache", parsed.cache),
                    arg::value("--modules-dir", parsed.modules_dir),
                    arg::value("--cmdline", parsed.cmdline), arg::value("--from", parsed.from),
                    arg::value("--initrd-report", parsed.initrd_report),
                    arg::value("--source-modules-dir", parsed.source_modules_dir),
                    arg::flag("--dry-run", parsed.dry_run), arg::flag("--no-load", parsed.no_load),
                    arg::flag("--json", parsed.json), arg::flag("--reprobe", parsed.reprobe),
                    arg::flag("--help", help, 'h')},
        .max_positionals = 1};
    auto positionals = arg::parse(spec, args);
    if (!positionals) {
        std::fprintf(stderr, "fastinit devices: %s\n\n", positionals.error().message.c_str());
        print_usage(stderr);
        return std::nullopt;
    }
    if (!positionals->empty())
        parsed.subcommand = positionals->front();
    if (help)
        parsed.subcommand = "help";
    if (parsed.subcommand.empty()) {
        print_usage(stderr);
        return std::nullopt;
    }
    if (parsed.dry_run && parsed.no_load) {
        std::fprintf(stderr, "fastinit devices: --dry-run and --no-load exclude each other\n");
        return std::nullopt;
    }
    return parsed;
}

int fail(const Error& error) {
    std::fprintf(stderr, "fastinit devices: %s\n", error.message.c_str());
    return 1;
}

int devices_probe(const DevicesArgs& args) {
    ModuleTree tree = args.tree();
    SysfsDeviceSource source;
    auto resolver = KmodResolver::open(tree);
    if (!resolver)
        return fail(resolver.error());
    std::unique_ptr<KmodLoader> loader;
    if (!args.dry_run && !args.no_load)
        loader = std::make_unique<KmodLoader>(tree);

    auto probe = probe_devices(source, *resolver, loader.get(), ProbeOptions{});
    if (!probe)
        return fail(probe.error());
    std::fputs(format_probe(*probe).c_str(), stdout);
    if (args.dry_run) {
        std::printf("\ndry run: nothing loaded, %s not written\n", args.cache.c_str());
        return 0;
    }
    Fingerprint now = take_fingerprint({tree}, probe->initial_devices);
    auto saved =
        save_cache(args.cache, make_device_cache(now, *probe, tree.dir, std::time(nullptr)));
    if (!saved)
        return fail(saved.error());
    std::printf("\nwrote %s\n", args.cache.c_str());
    return 0;
}

int devices_show(const DevicesArgs& args) {
    CacheLoad loaded = load_cache(args.cache, args.tree().release);
    if (!loaded.cache) {
        std::fprintf(stderr, "fastinit devices: %s\n", loaded.reason.c_str());
        return 2;
    }
    if (args.json) {
        nlohmann::json out = cache_to_json(*loaded.cache);
        out["state"] = cache_state_name(loaded.state);
        auto text = json_text(out, 2);
        if (!text) {
            std::fprintf(stderr, "fastinit devices: %s\n", text.error().message.c_str());
            return 1;
        }
        std::printf("%s\n", text->c_str());
        return 0;
    }
    std::printf("%s: ", args.cache.c_str());
    std::fputs(format_cache(*loaded.cache).c_str(), stdout);
    if (!loaded.valid())
        std::printf("\nnote: %s\n", loaded.reason.c_str());
    return 0;
}

// The module index the boot fingerprints, when this boot came through
// fastinit's initramfs: its tree is re-indexed there, so the root's own
// index would call a cache stale that the next boot uses (cache_check.h).
std::string boot_module_index(const std::string& initrd_report) {
    auto text = read_file_at_most(initrd_report, 1024 * 1024);
    if (!text)
        return "";
    auto report = parse_initrd_report(*text);
    return report ? report->devices.module_index : "";
}

// Stage 2's cache, checked as stage 2 will check it: against the running
// kernel's tree on the root and the devices stage 1 fingerprinted (the
// handed-over cache's). One line, when stage 2 has written that cache here;
// the exit status stays the first cache's.
void print_root_tree_status(const DevicesArgs& args, DeviceSource& source) {
    auto [in_run, kept] = root_modules_cache_pair(args.from, args.cache);
    std::error_code ec;
    // Neither: stage 2 never ran here (systemd is init, say): nothing to say.
    if (!std::filesystem::exists(kept, ec) && !std::filesystem::exists(in_run, ec))
        return;
    // On a root still read-only, stage 2's copy in /run is the newest.
    std::string path = std::filesystem::exists(kept, ec) ? kept : in_run;
    ModuleTree tree = running_module_tree();
    if (!std::filesystem::exists(tree.dir + "/modules.dep.bin", ec))
        return;  // no module tree on the root: stage 2 has nothing to load
    auto check = check_root_tree_cache(
        path, tree, root_tree_sources(args.from, tree.release, default_modules_load_sources()),
        source);
    if (!check) {
        std::printf("root tree %s: %s\n", tree.dir.c_str(), check.error().message.c_str());
        return;
    }
    const char* state = !check->cache.cache                             ? "absent or damaged"
                        : check->decision.path == DevicePath::use_cache ? "valid"
                                                                        : "stale";
    std::printf("root tree %s: %s: stage 2 of the next boot is %s\n", tree.dir.c_str(), state,
                check->decision.reason.c_str());
}

// The boot's own check (cache_check.h) with the boot's inputs, timed, so
// that "valid" here is a cache hit at the next boot and "stale" a probe.
int devices_status(const DevicesArgs& args) {
    FingerprintSources sources{args.tree()};
    // --modules-dir names the tree to compare with: then it is that one's.
    if (!args.modules_dir)
        sources.module_index = boot_module_index(args.initrd_report);
    SysfsDeviceSource source;
    auto check = check_device_cache(args.cache, source, sources, false);
    if (!check) {
        std::fprintf(stderr, "fastinit devices: %s\n", check.error().message.c_str());
        return 2;
    }
    if (!check->cache.cache) {
        std::printf("absent or damaged: %s\n", check->cache.reason.c_str());
        if (!args.modules_dir)
            print_root_tree_status(args, source);
        return 2;
    }
    std::fputs(format_fingerprint_comparison(check->cache.cache->fingerprint, check->now).c_str(),
               stdout);
    if (!sources.module_index.empty())
        std::printf("module index: the initramfs's, from %s\n", args.initrd_report.c_str());
    std::printf("check: %.2f ms (cache %.2f, enumerate %.2f, fingerprint %.2f)\n",
                check->check_us / 1000.0, check->read_us / 1000.0, check->enumerate_us / 1000.0,
                check->fingerprint_us / 1000.0);
    bool valid = check->decision.path == DevicePath::use_cache;
    std::printf("%s: the next boot is %s\n", valid ? "valid" : "stale",
                check->decision.reason.c_str());
    if (!args.modules_dir)
        print_root_tree_status(args, source);
    return valid ? 0 : 1;
}

int devices_invalidate(const DevicesArgs& args) {
    auto removed = remove_cache(args.cache);
    if (!removed)
        return fail(removed.error());
    std::printf("removed %s; the next boot probes\n", args.cache.c_str());
    return 0;
}

int devices_apply(const DevicesArgs& args) {
    ModuleTree tree = args.tree();
    bool reprobe = args.reprobe;
    if (auto cmdline = read_file(args.cmdline))
        reprobe = reprobe || reprobe_requested(KernelCmdline::parse(*cmdline));

    ApplyOptions options;
    options.cache_path = args.cache;
    options.reprobe = reprobe;
    auto report = apply_devices_here(tree, options);
    if (!report)
        return fail(report.error());
    std::printf("%s\n\n", report->decision.reason.c_str());
    std::fputs(format_modules(report->modules).c_str(), stdout);
    for (const std::string& note : report->notes)
        std::printf("note: %s\n", note.c_str());
    if (!report->refreshed.empty())
        std::printf("validation: %s\n", report->refreshed.c_str());
    if (report->cache_error)
        std::printf("warning: %s\n", report->cache_error->message.c_str());
    else if (report->cache_written)
        std::printf("wrote %s\n", args.cache.c_str());
    std::printf(
        "check %.1fms (cache %.1f, enumerate %.1f, fingerprint %.1f), load %.1fms, "
        "validate %.1fms\n",
        report->check_us / 1000.0, report->read_us / 1000.0, report->enumerate_us / 1000.0,
        report->fingerprint_us / 1000.0, report->load_us / 1000.0, report->validate_us / 1000.0);
    return 0;
}

// Run by the manager of a real boot as a process of its own, so PID 1 never
// maps SQLite or libkmod; it logs where PID 1 does.
int devices_stage2() {
    log::set_prefix("fastinit[stage2]");
    log::enable_kmsg();
    Stage2Report report = run_stage2();
    if (report.completed && report.completed->cache_rewritten)
        keep_handed_over_device_cache();
    if (report.probed)
        keep_handed_over_device_cache(paths::kRootModulesCacheRun, paths::kRootModulesCache);
    auto written =
        write_file_atomically(std::string(paths::kRuntimeDir) + "/" + paths::kStage2ReportName,
                              stage2_report_text(report));
    if (!written)
        log::warning("devices: ", written.error().message);
    return 0;
}

// What the shipped unit fastinit-devices-keep runs after local-fs (and its
// systemd companion after local-fs.target): the root is writable by then,
// so a read-only target is an error worth a failed unit.
int devices_keep(const DevicesArgs& args) {
    auto [root_from, root_kept] = root_modules_cache_pair(args.from, args.cache);
    int status = 0;
    for (const auto& [from, to] :
         {std::pair{args.from, args.cache}, std::pair{root_from, root_kept}}) {
        auto kept = keep_device_cache(from, to);
        if (!kept) {
            std::string why = kept.error().message;
            if (int e = kept.error().errno_value)
                why += " (errno " + std::to_string(e) + ")";
            std::fprintf(stderr, "fastinit devices: cannot keep the device cache in %s: %s\n",
                         to.c_str(), why.c_str());
            status = 1;
            continue;
        }
        std::printf("%s\n", describe_keep(*kept, from, to).c_str());
    }
    return status;
}

// An image build's step (mkinitramfs on its staged copy): see
// device-cache/image_reindex.h for the rule.
int devices_reindex(const DevicesArgs& args) {
    if (!args.modules_dir || !args.source_modules_dir) {
        std::fprintf(stderr,
                     "fastinit devices: reindex needs --modules-dir (the image's tree) and "
                     "--source-modules-dir (the tree it was copied from)\n");
        return 2;
    }
    ModuleTree image_tree = module_tree_at(*args.modules_dir);
    CacheLoad loaded = load_cache(args.cache, image_tree.release);
    if (!loaded.valid()) {
        std::printf("%s left as it is: %s\n", args.cache.c_str(), loaded.reason.c_str());
        return 1;
    }
    ImageTree image{image_tree.release, module_index_identity(*args.source_modules_dir),
                    module_index_identity(image_tree.dir), "/lib/modules/" + image_tree.release,
                    [&](const std::string& path) {
                        return static_cast<bool>(resolve_module_path(image_tree.dir, path));
                    }};
    auto reindexed = reindex_for_image(*loaded.cache, image);
    if (!reindexed) {
        std::printf("%s left as it is (the boot will probe): %s\n", args.cache.c_str(),
                    reindexed.error().message.c_str());
        return 1;
    }
    if (reindexed->outcome == ReindexOutcome::already_image) {
        std::printf("%s already names the image's module index\n", args.cache.c_str());
        return 0;
    }
    auto saved = save_cache(args.cache, reindexed->cache);
    if (!saved)
        return fail(saved.error());
    std::printf("%s now names the image's module index (%zu modules)\n", args.cache.c_str(),
                reindexed->cache.modules.size());
    return 0;
}

}  // namespace

int verb_devices(const Args& args) {
    auto parsed = parse_args(args);
    if (!parsed)
        return 2;
    const std::string& subcommand = parsed->subcommand;
    if (subcommand == "help") {
        print_usage(stdout);
        return 0;
    }
    if (subcommand == "probe")
        return devices_probe(*parsed);
    if (subcommand == "show")
        return devices_show(*parsed);
    if (subcommand == "status")
        return devices_status(*parsed);
    if (subcommand == "invalidate")
        return devices_invalidate(*parsed);
    if (subcommand == "apply")
        return devices_apply(*parsed);
    if (subcommand == "stage2")
        return devices_stage2();
    if (subcommand == "keep")
        return devices_keep(*parsed);
    if (subcommand == "reindex")
        return devices_reindex(*parsed);
    std::fprintf(stderr, "fastinit devices: unknown subcommand \"%s\"\n\n", subcommand.c_str());
    print_usage(stderr);
    return 2;
}

}  // namespace fastinit
