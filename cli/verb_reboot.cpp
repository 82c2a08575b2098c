// Client verbs for reboots: `reboot` (kexec into the next kernel), `kexec
// load|unload|status` (manage a staged kernel) and `coldreboot` (through the
// firmware). The sequence itself lives in kexec/reboot_plan.h; this file
// parses options, picks the real or recording loader, and talks.
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "base/args.h"
#include "base/paths.h"
#include "base/text.h"
#include "base/trial_boot.h"
#include "cli/client.h"
#include "cli/reboot_requester.h"
#include "cli/verbs.h"
#include "kexec/cpio_archive.h"
#include "kexec/describe.h"
#include "kexec/reboot_plan.h"

namespace fastinit {
namespace {

// A printf format: %s is the device cache's path.
const char kRebootUsage[] =
    "usage: fastinit reboot [--kernel K [--initrd I]... | --entry ID] [--append TEXT]...\n"
    "                       [--cmdline TEXT] [--reprobe] [--no-fallback] [--dry-run]\n"
    "                       [--boot-dir DIR] [--proc-cmdline FILE] [--config FILE]\n"
    "                       [--device-cache FILE] [--grubenv FILE] [--efivars-dir DIR]\n"
    "                       [--try [--panic N] [--try-timeout D] [--trial-record FILE]] [now]\n"
    "       fastinit kexec load [the same selection options] | unload | status\n"
    "       fastinit coldreboot [now]\n"
    "\n"
    "reboot loads the next kernel with kexec_file_load and only then asks the manager\n"
    "to stop the system and jump into it. If the kernel cannot be loaded, it says why\n"
    "and reboots through the firmware instead (--no-fallback: leaves the system running).\n"
    "\n"
    "The kernel is the first found of: --kernel; the Boot Loader Spec entry --entry ID;\n"
    "`kernel` in /etc/fastinit/kexec.toml; the entry in BOOT/loader/entries the boot\n"
    "loader would start (systemd-boot's LoaderEntryOneShot, GRUB's next_entry,\n"
    "LoaderEntryDefault, GRUB's saved_entry, loader.conf's default, the last by version;\n"
    "entries with no boot-counting tries left are skipped); BOOT/vmlinuz or /vmlinuz\n"
    "(with initrd.img beside it); BOOT/vmlinuz-$(uname -r). The command line is\n"
    "/proc/cmdline (or the entry's options) without one-shot words, plus --append;\n"
    "--cmdline replaces it; --reprobe adds fastinit.reprobe for the next boot only.\n"
    "\n"
    "--try boots the new kernel on trial: its command line gets panic=N (default 10)\n"
    "and fastinit.try=D (default 5min); the hardware watchdog stays armed across the\n"
    "jump. Unless `fastinit bless` confirms the new boot within D of its PID 1's start,\n"
    "it reboots through the firmware into what the boot loader chooses; a panic or a\n"
    "hang does the same through panic=N or the watchdog.\n"
    "\n"
    "A kernel staged by `kexec load` is reused by reboot, without loading it again,\n"
    "while it is still loaded and its kernel, initrd, command line and device-cache\n"
    "snapshot are all unchanged.\n"
    "\n"
    "  --dry-run           print the choice, whether a staged kernel would be reused,\n"
    "                      and the reboot steps; load nothing\n"
    "  --boot-dir DIR      look in DIR instead of /boot (and for vmlinuz in DIR/..)\n"
    "  --proc-cmdline FILE start from FILE instead of /proc/cmdline\n"
    "  --config FILE       instead of /etc/fastinit/kexec.toml\n"
    "  --device-cache FILE snapshot FILE instead of %s\n"
    "  --grubenv FILE      read GRUB's environment block from FILE, not BOOT/grub/grubenv\n"
    "  --efivars-dir DIR   read EFI variables from DIR, not /sys/firmware/efi/efivars\n"
    "  --test-loader FILE  tests only: record the load in FILE instead of loading\n"
    "                      (pair with the manager's --kexec-loaded-path FILE)\n"
    "\n"
    "kexec status exits 0 when a kernel is staged, 3 when none is.\n";

void print_reboot_usage(FILE* out) {
    std::fprintf(out, kRebootUsage, paths::kDeviceCache);
}

struct RebootArgs {
    KexecRequest request;
    // Owned here; request.places.efi_variables points at it once parsed.
    std::shared_ptr<EfivarsDirectory> efivars;
    bool dry_run = false;
    bool no_fallback = false;
    std::string test_loader;
    std::string device_cache = paths::kDeviceCache;
    std::string trial_record = kTrialRecordPath;
};

enum class VerbKind { reboot, kexec_load };

std::string running_release() {
    struct utsname names;
    return ::uname(&names) == 0 ? names.release : "";
}

Result<RebootArgs> parse_reboot_args(const Args& args, VerbKind kind) {
    RebootArgs parsed;
    KexecRequest& request = parsed.request;
    request.places.running_release = running_release();
    auto set_boot_dir = [&request](std::string_view value) {
        request.places.boot_dir = value;
        // Where the fixture tree (or the real one) keeps /vmlinuz.
        std::filesystem::path dir = std::filesystem::absolute(value).lexically_normal();
        if (!dir.has_filename())
            dir = dir.parent_path();
        request.places.root_dir = dir.parent_path();
    };
    std::string efivars_dir = kEfivarsDir;
    std::string grubenv;
    arg::Spec spec{.options = {arg::value("--kernel", request.options.kernel),
                               arg::value("--entry", request.options.entry),
                               arg::value("--grubenv", grubenv),
                               arg::value("--efivars-dir", efivars_dir),
                               arg::value("--initrd", request.options.initrds),
                               arg::value("--append", request.options.appends),
                               arg::value("--cmdline", request.options.cmdline),
                               arg::value("--boot-dir", set_boot_dir),
                               arg::value("--proc-cmdline", request.proc_cmdline_path),
                               arg::value("--config", request.config_path),
                               arg::value("--test-loader", parsed.test_loader),
                               arg::value("--device-cache", parsed.device_cache),
                               arg::flag("--reprobe", request.reprobe),
                               arg::flag("--dry-run", parsed.dry_run)}};
    bool trial = false;
    std::optional<std::string> panic, try_timeout;
    if (kind == VerbKind::reboot) {
        spec.options.push_back(arg::flag("--no-fallback", parsed.no_fallback));
        spec.options.push_back(arg::flag("--try", trial));
        spec.options.push_back(arg::value("--panic", panic));
        spec.options.push_back(arg::value("--try-timeout", try_timeout));
        spec.options.push_back(arg::value("--trial-record", parsed.trial_record));
    }
    auto positionals = arg::parse(spec, args);
    if (!positionals)
        return positionals.error();
    // `shutdown -r now` habit: reboot takes a last word `now`, and nothing else.
    bool habit = kind == VerbKind::reboot && positionals->size() == 1 &&
                 positionals->front() == "now" && args.back() == "now";
    if (!positionals->empty() && !habit)
        return Error{"unexpected argument \"" + positionals->front() + "\""};
    if ((panic || try_timeout) && !trial)
        return Error{"--panic and --try-timeout belong to --try"};
    if (trial) {
        TrialRequest t;
        if (panic) {
            // Above 0: panic=0 (and a negative one) never reboot.
            int n = 0;
            auto [end, error] = std::from_chars(panic->data(), panic->data() + panic->size(), n);
            if (error != std::errc() || end != panic->data() + panic->size() || n <= 0 || n > 3600)
                return Error{"--panic wants seconds from 1 to 3600, not \"" + *panic + "\""};
            t.panic_seconds = n;
        }
        if (try_timeout) {
            auto d = parse_duration(*try_timeout);
            if (!d || d->count() <= 0)
                return Error{"--try-timeout wants a duration above 0, not \"" + *try_timeout +
                             "\""};
            t.deadline = *d;
        }
        request.trial = t;
    }
    request.places.grubenv = grubenv;
    parsed.efivars = std::make_shared<EfivarsDirectory>(efivars_dir);
    request.places.efi_variables = parsed.efivars.get();
    return parsed;
}

SyscallKexecLoader make_loader(const std::string& test_loader) {
    if (test_loader.empty())
        return SyscallKexecLoader();
    return SyscallKexecLoader(test_loader, recording_kexec_file_load(test_loader));
}

int say(const char* verb, const std::string& message, int code) {
    std::fprintf(stderr, "fastinit %s: %s\n", verb, message.c_str());
    return code;
}

int dry_run(const char* verb, const RebootArgs& parsed, VerbKind kind) {
    auto prepared = resolve_kexec(parsed.request);
    if (!prepared) {
        say(verb, prepared.error().message, 1);
        if (kind == VerbKind::reboot && !parsed.no_fallback)
            say(verb, "a real run would reboot through the firmware instead", 1);
        return 1;
    }
    std::fputs(format_kexec_choice(*prepared).c_str(), stdout);
    if (kind == VerbKind::reboot) {
        SyscallKexecLoader loader = make_loader(parsed.test_loader);
        StagedVerdict staged = judge_staged_kernel(parsed.request, *prepared, loader);
        if (staged.reuse)
            std::printf(
                "load:         no: the kernel staged by `fastinit kexec load` is unchanged\n");
        else if (staged.had_record)
            std::printf("load:         yes, again: %s\n", staged.reason.c_str());
        else
            std::printf("load:         yes\n");
        std::printf("steps (dry run: nothing loaded, nothing stopped):\n%s",
                    format_reboot_steps(PowerAction::kexec).c_str());
    }
    return 0;
}

// The next boot's initramfs gets a fresh copy of the known-devices cache,
// appended as one more cpio archive (the kernel unpacks them in order, later
// files replacing earlier ones), so a warm reboot always finds a current
// cache, whatever snapshot the initrd on disk carries. Wherever it is read
// from (--device-cache), the next boot finds it at the standard place.
void attach_device_cache_snapshot(KexecRequest& request, const std::string& cache_path) {
    auto cache = read_file(cache_path);
    if (!cache)
        return;  // no cache yet: the next boot probes and writes one
    request.extra_initrd = cpio_with_file(std::string(paths::kDeviceCache).substr(1), *cache);
}

// Everything the load (or the decision to skip it) depends on, before either.
void complete_request(RebootArgs& parsed, const ClientContext& context) {
    attach_device_cache_snapshot(parsed.request, parsed.device_cache);
    parsed.request.staged_record_path = context.staged_record_path();
}

// Before the jump: the trial is pending until a boot settles it (`fastinit
// bless`). Without the record the trial still works (PID 1 of the trial
// boot keeps the deadline); only the later report is lost.
bool record_trial(const PreparedKexec& loaded, const std::string& path) {
    TrialRecord record;
    record.kernel = loaded.choice.kernel.string();
    record.cmdline = loaded.cmdline.text;
    record.requested_epoch = ::time(nullptr);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (auto written = write_file_atomically(path, format_trial_record(record)); !written) {
        say("reboot", written.error().message + " (the trial goes on unrecorded)", 0);
        return false;
    }
    std::printf("fastinit reboot: trial boot: `fastinit bless` must confirm it; recorded in %s\n",
                path.c_str());
    return true;
}

}  // namespace

int verb_reboot(const ClientContext& context, const Args& args) {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
        print_reboot_usage(stdout);
        return 0;
    }
    auto parsed = parse_reboot_args(args, VerbKind::reboot);
    if (!parsed) {
        say("reboot", parsed.error().message, 2);
        print_reboot_usage(stderr);
        return 2;
    }
    complete_request(*parsed, context);
    if (parsed->dry_run)
        return dry_run("reboot", *parsed, VerbKind::reboot);

    // Connect first: without a manager (fastinit's, or systemd in companion
    // mode) to ask, loading a kernel is pointless.
    auto requester = connect_reboot_requester(context);
    if (!requester)
        return say("reboot", requester.error().message, 1);
    SyscallKexecLoader loader = make_loader(parsed->test_loader);
    Fallback fallback = parsed->no_fallback ? Fallback::none : Fallback::cold_reboot;
    // Said before the manager is asked: stopping the system may stop us.
    bool trial = parsed->request.trial.has_value();
    const std::string& trial_record = parsed->trial_record;
    bool recorded = false;
    auto tell = [trial, &trial_record, &recorded](const RebootOutcome& outcome) {
        if (outcome.staged.had_record && !outcome.staged.reuse)
            std::printf("fastinit reboot: loading the kernel again: %s\n",
                        outcome.staged.reason.c_str());
        if (outcome.kexec_error) {
            say("reboot", outcome.kexec_error->message, 0);
            say("reboot", "rebooting through the firmware instead", 0);
        } else if (outcome.staged.reuse) {
            std::printf(
                "fastinit reboot: using the kernel staged by `fastinit kexec load` "
                "(unchanged): %s; asking the manager to stop the system\n",
                outcome.loaded->choice.kernel.c_str());
        } else {
            const KernelChoice& choice = outcome.loaded->choice;
            std::printf("fastinit reboot: loaded %s (%s); asking the manager to stop the system\n",
                        choice.kernel.c_str(), std::string(to_string(choice.rule)).c_str());
        }
        if (outcome.loaded && trial)
            recorded = record_trial(*outcome.loaded, trial_record);
        std::fflush(stdout);
        std::fflush(stderr);
    };
    auto outcome = kexec_reboot(parsed->request, fallback, loader, **requester, tell);
    if (!outcome) {
        // No jump, so no trial: a pending record would make the next boot
        // report a trial that never ran.
        if (recorded)
            ::unlink(trial_record.c_str());
        say("reboot", outcome.error().message, 1);
        return say("reboot", "nothing was stopped; the system keeps running", 1);
    }
    return 0;
}

int verb_kexec(const ClientContext& context, const Args& args) {
    std::string sub = args.empty() ? "" : args[0];
    Args rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    if (sub == "load") {
        auto parsed = parse_reboot_args(rest, VerbKind::kexec_load);
        if (!parsed)
            return say("kexec load", parsed.error().message, 2);
        complete_request(*parsed, context);
        if (parsed->dry_run)
            return dry_run("kexec load", *parsed, VerbKind::kexec_load);
        SyscallKexecLoader loader = make_loader(parsed->test_loader);
        auto prepared = prepare_kexec(parsed->request, loader);
        if (!prepared)
            return say("kexec load", prepared.error().message, 1);
        std::printf("staged; `fastinit reboot` jumps into it\n%s",
                    format_kexec_choice(*prepared).c_str());
        if (prepared->record_error)
            say("kexec load",
                prepared->record_error->message + " (`fastinit reboot` will load it again)", 0);
        return 0;
    }
    if (sub == "unload" || sub == "status") {
        std::string test_loader;
        auto parsed = arg::parse(
            {.options = {arg::value("--test-loader", test_loader)}, .max_positionals = 0}, rest);
        if (!parsed)
            return say(("kexec " + sub).c_str(), parsed.error().message, 2);
        SyscallKexecLoader loader = make_loader(test_loader);
        if (sub == "unload") {
            // The record goes first: a record without a staged kernel is
            // ignored, a staged kernel without a record merely reloaded.
            if (auto removed = remove_staged_record(context.staged_record_path()); !removed)
                say("kexec unload", removed.error().message, 0);
            auto unloaded = loader.unload();
            return unloaded ? 0 : say("kexec unload", unloaded.error().message, 1);
        }
        auto loaded = loader.is_loaded();
        if (!loaded)
            return say("kexec status", loaded.error().message, 1);
        std::printf("%s\n", *loaded ? "a kernel is staged for kexec" : "no kernel is staged");
        return *loaded ? 0 : 3;
    }
    if (sub == "--help" || sub == "-h") {
        print_reboot_usage(stdout);
        return 0;
    }
    say("kexec", sub.empty() ? "missing load, unload or status" : "unknown \"" + sub + "\"", 2);
    print_reboot_usage(stderr);
    return 2;
}

int verb_coldreboot(const ClientContext& context, const Args& args) {
    std::string test_loader;
    bool help = false;
    auto positionals = arg::parse(
        {.options = {arg::value("--test-loader", test_loader), arg::flag("--help", help, 'h')}},
        args);
    if (!positionals)
        return say("coldreboot", positionals.error().message, 2);
    if (help) {
        print_reboot_usage(stdout);
        return 0;
    }
    // `shutdown -r now` habit: a last word `now`, and nothing else.
    if (!positionals->empty() &&
        (positionals->size() > 1 || positionals->front() != "now" || args.back() != "now"))
        return say("coldreboot", "unexpected argument \"" + positionals->front() + "\"", 2);
    auto requester = connect_reboot_requester(context);
    if (!requester)
        return say("coldreboot", requester.error().message, 1);
    SyscallKexecLoader loader = make_loader(test_loader);
    // cold_reboot unloads the staged kernel; its record goes first (see
    // `kexec unload`).
    if (auto removed = remove_staged_record(context.staged_record_path()); !removed)
        say("coldreboot", removed.error().message, 0);
    auto outcome = cold_reboot(loader, **requester);
    if (!outcome)
        return say("coldreboot", outcome.error().message, 1);
    if (outcome->unload_error)
        say("coldreboot", outcome->unload_error->message + " (rebooting anyway)", 0);
    return 0;
}

}  // namespace fastinit
