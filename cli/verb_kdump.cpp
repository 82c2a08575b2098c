// `fastinit kdump load|unload|status|list`: the crash kernel (kdump/). The
// load reuses kexec/'s selection and loader, in the crash slot; the capture
// itself is stage 1's (boot/stage1_sequence.cpp).
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/args.h"
#include "base/atomic_file.h"
#include "base/paths.h"
#include "base/text.h"
#include "cli/verbs.h"
#include "kdump/dump_record.h"
#include "kdump/kdump_config.h"
#include "kdump/kdump_state.h"
#include "kexec/cpio_archive.h"
#include "kexec/describe.h"
#include "kexec/reboot_plan.h"

namespace fastinit {
namespace {

const char kKdumpUsage[] =
    "usage: fastinit kdump load [--dry-run] [options]\n"
    "       fastinit kdump unload | status | list [options]\n"
    "\n"
    "load arms the crash kernel: a panic then boots it, and its stage 1 saves the\n"
    "crashed kernel's memory (vmcore) and log under kdump.toml's target (/var/crash)\n"
    "before rebooting. Needs memory reserved at boot (crashkernel=256M); status says\n"
    "whether it is, and what to add when not. list shows the saved dumps.\n"
    "\n"
    "The kernel is kdump.toml's `kernel`, else BOOT/vmlinuz-$(uname -r) with its\n"
    "initrd, else what `fastinit reboot` would choose. The command line is kdump.toml's\n"
    "`cmdline` or /proc/cmdline, without crashkernel=, plus `append` (default\n"
    "\"irqpoll nr_cpus=1 reset_devices\") and fastinit.kdump.\n"
    "\n"
    "  --config FILE       instead of /etc/fastinit/kdump.toml\n"
    "  --boot-dir DIR      look in DIR instead of /boot\n"
    "  --proc-cmdline FILE start from FILE instead of /proc/cmdline\n"
    "  --device-cache FILE snapshot FILE into the crash kernel's initrd\n"
    "  --sysfs DIR         read kexec_crash_size and kexec_crash_loaded in DIR\n"
    "                      instead of /sys/kernel (tests)\n"
    "  --test-loader FILE  tests only: record the load in FILE instead of loading\n"
    "\n"
    "status exits 0 when a crash kernel is armed, 3 when not.\n";

struct KdumpArgs {
    std::string config_path = kKdumpConfigPath;
    std::string boot_dir = "/boot";
    std::string proc_cmdline = "/proc/cmdline";
    std::string device_cache = paths::kDeviceCache;
    std::string sysfs = "/sys/kernel";
    std::string test_loader;
    bool dry_run = false;
};

int say(const std::string& verb, const std::string& message, int code) {
    std::fprintf(stderr, "fastinit kdump %s: %s\n", verb.c_str(), message.c_str());
    return code;
}

std::string running_release() {
    struct utsname names;
    return ::uname(&names) == 0 ? names.release : "";
}

KdumpFacts read_facts(const KdumpArgs& args) {
    KdumpFacts facts;
    if (auto size = read_file(args.sysfs + "/kexec_crash_size"))
        facts.reserved_bytes = std::strtoull(size->c_str(), nullptr, 10);
    if (auto loaded = read_file(args.sysfs + "/kexec_crash_loaded"); loaded && !loaded->empty())
        facts.loaded = (*loaded)[0] == '1';
    if (auto cmdline = read_file(args.proc_cmdline))
        facts.cmdline = *cmdline;
    return facts;
}

SyscallKexecLoader crash_loader(const KdumpArgs& args) {
    std::string loaded = args.sysfs + "/kexec_crash_loaded";
    if (args.test_loader.empty())
        return SyscallKexecLoader(loaded, real_kexec_file_load, KexecSlot::crash);
    return SyscallKexecLoader(args.test_loader, recording_kexec_file_load(args.test_loader),
                              KexecSlot::crash);
}

// What `kdump load` hands to kexec/'s selection: the running kernel by
// default (the crash kernel reads its memory best), never kexec.toml's
// choice of the next kernel.
Result<KexecRequest> crash_request(const KdumpArgs& args, const KdumpConfig& config) {
    KexecRequest request;
    request.config_path = "";  // kexec.toml is about reboots, not crashes
    request.proc_cmdline_path = args.proc_cmdline;
    request.places.running_release = running_release();
    request.places.boot_dir = args.boot_dir;
    request.places.root_dir =
        std::filesystem::path(args.boot_dir).lexically_normal().parent_path().string();
    if (config.kernel) {
        request.options.kernel = *config.kernel;
        request.options.initrds = config.initrds;
    } else {
        std::string kernel = args.boot_dir + "/vmlinuz-" + request.places.running_release;
        std::string initrd = args.boot_dir + "/initrd.img-" + request.places.running_release;
        if (::access(kernel.c_str(), R_OK) == 0) {
            request.options.kernel = kernel;
            if (::access(initrd.c_str(), R_OK) == 0)
                request.options.initrds = {initrd};
        }
    }
    std::string base;
    if (config.cmdline) {
        base = *config.cmdline;
    } else {
        auto text = read_file(args.proc_cmdline);
        if (!text)
            return Error{"cannot read " + args.proc_cmdline + ": " + text.error().message};
        base = *text;
    }
    // The deadline goes with the kernel: stage 1 cannot read kdump.toml
    // before it has mounted the root, and mounting may be what hangs.
    std::string append = config.append + " fastinit.kdump_timeout=" +
                         std::to_string(config.timeout.count() / 1000000) + "s";
    request.options.cmdline = crash_cmdline(base, append);
    if (auto cache = read_file(args.device_cache))
        request.extra_initrd = cpio_with_file(std::string(paths::kDeviceCache).substr(1), *cache);
    return request;
}

// The boot after a capture: a dump no boot has reported yet is this boot's
// news (`analyze time` reads it from the runtime directory).
void note_new_dump(const ClientContext& context, const KdumpConfig& config) {
    auto dumps = list_dumps(config.target);
    if (dumps.empty())
        return;
    const SavedDump& newest = dumps.back();
    std::string seen = newest.directory + "/.reported";
    if (::access(seen.c_str(), F_OK) == 0)
        return;
    std::string line = newest.directory + "\n";
    if (write_file_atomically(context.runtime_dir + "/" + paths::kLastCaptureName, line))
        (void)write_file_atomically(seen, "");
    std::printf("the boot before this one saved a crash dump: %s\n", newest.directory.c_str());
}

int load(const ClientContext& context, const KdumpArgs& args, const KdumpConfig& config) {
    if (!args.dry_run)
        note_new_dump(context, config);
    KdumpFacts facts = read_facts(args);
    auto request = crash_request(args, config);
    if (!request)
        return say("load", request.error().message, 1);
    if (args.dry_run) {
        auto prepared = resolve_kexec(*request);
        if (!prepared)
            return say("load", prepared.error().message, 1);
        std::fputs(format_kexec_choice(*prepared).c_str(), stdout);
        return 0;
    }
    if (!facts.reserved_bytes || *facts.reserved_bytes == 0)
        return say("load", describe_kdump(facts).lines.front(), 1);
    SyscallKexecLoader loader = crash_loader(args);
    auto prepared = prepare_kexec(*request, loader);
    if (!prepared)
        return say("load", prepared.error().message, 1);
    std::printf("crash kernel armed: a panic saves a dump in %s\n%s", config.target.c_str(),
                format_kexec_choice(*prepared).c_str());
    return 0;
}

}  // namespace

int verb_kdump(const ClientContext& context, const Args& args) {
    std::string sub = args.empty() ? "" : args[0];
    if (sub == "--help" || sub == "-h") {
        std::fputs(kKdumpUsage, stdout);
        return 0;
    }
    if (sub != "load" && sub != "unload" && sub != "status" && sub != "list") {
        say(sub, sub.empty() ? "missing load, unload, status or list" : "unknown verb", 2);
        std::fputs(kKdumpUsage, stderr);
        return 2;
    }
    KdumpArgs parsed;
    arg::Spec spec{.options = {arg::value("--config", parsed.config_path),
                               arg::value("--boot-dir", parsed.boot_dir),
                               arg::value("--proc-cmdline", parsed.proc_cmdline),
                               arg::value("--device-cache", parsed.device_cache),
                               arg::value("--sysfs", parsed.sysfs),
                               arg::value("--test-loader", parsed.test_loader)},
                   .max_positionals = 0};
    if (sub == "load")
        spec.options.push_back(arg::flag("--dry-run", parsed.dry_run));
    if (auto positionals = arg::parse(spec, Args(args.begin() + 1, args.end())); !positionals)
        return say(sub, positionals.error().message, 2);
    auto config = load_kdump_config(parsed.config_path);
    if (!config)
        return say(sub, config.error().message, 1);

    if (sub == "load")
        return load(context, parsed, *config);
    if (sub == "unload") {
        auto unloaded = crash_loader(parsed).unload();
        return unloaded ? 0 : say(sub, unloaded.error().message, 1);
    }
    if (sub == "list") {
        auto dumps = list_dumps(config->target);
        if (dumps.empty())
            std::printf("no crash dumps in %s\n", config->target.c_str());
        std::fputs(format_dumps(dumps).c_str(), stdout);
        return 0;
    }
    KdumpStatus status = describe_kdump(read_facts(parsed));
    for (const std::string& line : status.lines)
        std::printf("%s\n", line.c_str());
    std::printf("dumps go to %s (%zu saved); after a capture: %s\n", config->target.c_str(),
                list_dumps(config->target).size(), std::string(to_string(config->action)).c_str());
    return status.armed ? 0 : 3;
}

}  // namespace fastinit
