#include "kexec/kernel_selection.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "base/text.h"
#include "kexec/boot_entries.h"
#include "kexec/grubenv.h"

namespace fastinit {
namespace {

namespace fs = std::filesystem;

// Ok when `path` is a regular file (after links); else the Error says why.
Result<void> check_file(const fs::path& path, std::string_view what) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return system_error(std::string(what) + " " + path.string());
    if (!S_ISREG(st.st_mode))
        return Error{std::string(what) + " " + path.string() + ": not a regular file", EINVAL};
    return ok_result();
}

bool is_file(const fs::path& path) {
    return check_file(path, "").ok();
}

bool is_dangling_link(const fs::path& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode) && !is_file(path);
}

fs::path relative_to(const fs::path& dir, const std::string& path) {
    fs::path p(path);
    return p.is_absolute() ? p : dir / p;
}

fs::path link_target(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_symlink(path, ec))
        return {};
    fs::path target = fs::canonical(path, ec);
    return ec ? fs::path() : target;
}

Result<KernelChoice> explicit_choice(SelectionRule rule, const fs::path& kernel,
                                     const std::vector<fs::path>& initrds, std::string reason,
                                     std::string_view source) {
    FI_TRY(check_file(kernel, std::string(source) + ": kernel"));
    for (const auto& initrd : initrds)
        FI_TRY(check_file(initrd, std::string(source) + ": initrd"));
    KernelChoice choice;
    choice.kernel = kernel;
    choice.initrds = initrds;
    choice.rule = rule;
    choice.reason = std::move(reason);
    return choice;
}

KernelChoice entry_choice(const BootEntry& entry, SelectionRule rule, const std::string& why) {
    KernelChoice choice;
    choice.kernel = entry.kernel;
    choice.initrds = entry.initrds;
    choice.rule = rule;
    choice.reason = entry.file.empty() ? entry.id : entry.file;
    if (!entry.title.empty())
        choice.reason += " (\"" + entry.title + "\")";
    choice.reason += ", " + why;
    if (entry.tries_left > 0)
        choice.reason += ", " + std::to_string(entry.tries_left) + " tries left";
    if (!entry.options.empty())
        choice.entry_options = entry.options;
    return choice;
}

// GRUB writes its environment block as 1024 bytes; a file far larger is
// not one, and is not read whole.
constexpr size_t kMaxGrubenvSize = 64 * 1024;

// What the boot loaders were told to boot, in the order rule 3 honours it.
struct LoaderWishes {
    std::vector<EntryWish> wishes;
    // GRUB's wishes alone, for kernels without entries (Debian).
    std::vector<EntryWish> grub;
};

LoaderWishes loader_wishes(const SelectionPlaces& places, std::vector<std::string>& notes) {
    std::optional<std::string> one_shot, efi_default;
    if (places.efi_variables) {
        for (auto [name, out] : {std::pair{"LoaderEntryOneShot", &one_shot},
                                 std::pair{"LoaderEntryDefault", &efi_default}}) {
            auto value = read_loader_string(*places.efi_variables, name);
            if (!value)
                notes.push_back("ignored the EFI variable " + value.error().message);
            else
                *out = *value;
        }
    }
    std::optional<std::string> next_entry, saved_entry;
    fs::path grubenv_path =
        places.grubenv.empty() ? places.boot_dir / "grub" / "grubenv" : places.grubenv;
    auto text = read_file_at_most(grubenv_path.string(), kMaxGrubenvSize);
    if (text) {
        auto env = parse_grubenv(*text);
        if (!env) {
            notes.push_back("ignored " + grubenv_path.string() + ": " + env.error().message);
        } else {
            for (auto [name, out] :
                 {std::pair{"next_entry", &next_entry}, std::pair{"saved_entry", &saved_entry}}) {
                auto it = env->variables.find(name);
                if (it != env->variables.end() && !it->second.empty())
                    *out = it->second;
            }
        }
    } else if (text.error().errno_value != ENOENT && text.error().errno_value != ENOTDIR) {
        notes.push_back("ignored " + text.error().message);
    }
    LoaderWishes result;
    auto add = [&result](const std::optional<std::string>& value, std::string source, bool grub) {
        if (!value)
            return;
        // GRUB names an entry in a submenu "SUBMENU>ENTRY".
        std::string pattern = grub ? parse_grub_entry_name(*value).last : *value;
        if (pattern.empty())
            return;
        result.wishes.push_back({source, pattern});
        if (grub)
            result.grub.push_back({source, *value});
    };
    add(one_shot, "EFI variable LoaderEntryOneShot", false);
    add(next_entry, "grubenv next_entry", true);
    add(efi_default, "EFI variable LoaderEntryDefault", false);
    add(saved_entry, "grubenv saved_entry", true);
    return result;
}

// Rule 3. Skipped entries and unmatched wishes become notes whether or not
// an entry is chosen.
std::optional<KernelChoice> boot_loader_choice(const SelectionPlaces& places,
                                               std::vector<std::string>& notes) {
    BootEntries entries = read_boot_entries(places.boot_dir);
    for (const auto& skipped : entries.skipped)
        notes.push_back("skipped " + skipped.file + ": " + skipped.reason);
    LoaderWishes wishes = loader_wishes(places, notes);
    if (auto chosen = choose_entry(entries, wishes.wishes)) {
        for (const auto& unmatched : chosen->unmatched)
            notes.push_back(unmatched);
        return entry_choice(entries.entries[chosen->index], SelectionRule::boot_loader_spec,
                            chosen->why);
    }
    // No entries: GRUB's own menu, read where it names a Debian kernel.
    for (const auto& wish : wishes.grub) {
        GrubEntryName name = parse_grub_entry_name(wish.pattern);
        if (name.index) {
            notes.push_back(wish.source + " \"" + wish.pattern +
                            "\" is a menu position in grub.cfg, which is not read");
            continue;
        }
        fs::path kernel = places.boot_dir / ("vmlinuz-" + name.release);
        if (name.release.empty() || !is_file(kernel)) {
            notes.push_back(wish.source + " \"" + wish.pattern + "\" names no kernel found here");
            continue;
        }
        KernelChoice choice;
        choice.kernel = kernel;
        choice.rule = SelectionRule::grub_saved_entry;
        choice.reason = kernel.string() + ", " + wish.source + " \"" + wish.pattern + "\"";
        for (const fs::path& initrd : {places.boot_dir / ("initrd.img-" + name.release),
                                       places.boot_dir / ("initramfs-" + name.release + ".img")}) {
            if (is_file(initrd)) {
                choice.initrds.push_back(initrd);
                break;
            }
        }
        return choice;
    }
    return std::nullopt;
}

// Rule 1's --entry: explicit, so an entry it does not find is an error.
Result<KernelChoice> chosen_entry(const std::string& id, const fs::path& boot_dir) {
    BootEntries entries = read_boot_entries(boot_dir);
    auto chosen = choose_entry(entries, {{"--entry", id}});
    if (chosen && chosen->unmatched.empty())
        return entry_choice(entries.entries[chosen->index], SelectionRule::entry_option, "--entry");
    std::string message = "--entry \"" + id + "\": no such usable entry in " +
                          (boot_dir / "loader" / "entries").string();
    std::vector<std::string> usable;
    for (const auto& entry : entries.entries)
        usable.push_back(entry.id);
    message += usable.empty() ? " (it has none)" : " (usable: " + join(usable, ", ") + ")";
    for (const auto& skipped : entries.skipped)
        message += "; skipped " + skipped.file + ": " + skipped.reason;
    return Error{message, ENOENT};
}

// Rules 4 and 5: a kernel file and the first initrd candidate that exists.
std::optional<KernelChoice> file_choice(SelectionRule rule, const fs::path& kernel,
                                        const std::vector<fs::path>& initrd_candidates,
                                        std::string reason, std::vector<std::string>& notes) {
    if (!is_file(kernel)) {
        if (is_dangling_link(kernel))
            notes.push_back(kernel.string() + " is a dangling link");
        return std::nullopt;
    }
    KernelChoice choice;
    choice.kernel = kernel;
    choice.rule = rule;
    choice.reason = std::move(reason);
    for (const auto& initrd : initrd_candidates) {
        if (is_file(initrd)) {
            choice.initrds.push_back(initrd);
            break;
        }
    }
    if (choice.initrds.empty())
        notes.push_back("no initrd beside " + kernel.string() + "; loading it without one");
    return choice;
}

}  // namespace

std::string_view to_string(SelectionRule rule) {
    switch (rule) {
        case SelectionRule::options:
            return "options";
        case SelectionRule::config_file:
            return "config file";
        case SelectionRule::boot_loader_spec:
            return "boot loader entry";
        case SelectionRule::debian_links:
            return "debian links";
        case SelectionRule::running_release:
            return "running release";
        case SelectionRule::entry_option:
            return "--entry";
        case SelectionRule::grub_saved_entry:
            return "grub entry";
    }
    return "?";
}

Result<KernelChoice> select_kernel(const KernelOptions& options,
                                   const std::optional<KexecConfig>& config,
                                   const SelectionPlaces& places) {
    if (!options.initrds.empty() && !options.kernel)
        return Error{"--initrd needs --kernel (an initrd belongs to a kernel)", EINVAL};
    if (options.kernel && options.entry)
        return Error{"--kernel and --entry both choose the kernel: give one", EINVAL};

    auto finish = [](KernelChoice choice, std::vector<std::string> notes) {
        choice.kernel_target = link_target(choice.kernel);
        choice.notes.insert(choice.notes.begin(), notes.begin(), notes.end());
        return choice;
    };

    if (options.kernel) {
        std::vector<fs::path> initrds(options.initrds.begin(), options.initrds.end());
        auto choice = explicit_choice(SelectionRule::options, *options.kernel, initrds, "--kernel",
                                      "--kernel");
        if (!choice)
            return choice.error();
        return finish(std::move(*choice), {});
    }
    if (options.entry) {
        auto choice = chosen_entry(*options.entry, places.boot_dir);
        if (!choice)
            return choice.error();
        return finish(std::move(*choice), {});
    }
    if (config && config->kernel) {
        std::vector<fs::path> initrds;
        for (const auto& initrd : config->initrds)
            initrds.push_back(relative_to(places.boot_dir, initrd));
        auto choice = explicit_choice(SelectionRule::config_file,
                                      relative_to(places.boot_dir, *config->kernel), initrds,
                                      "kernel in " + config->path, config->path);
        if (!choice)
            return choice.error();
        return finish(std::move(*choice), {});
    }

    std::vector<std::string> notes;
    if (auto choice = boot_loader_choice(places, notes))
        return finish(std::move(*choice), notes);

    const fs::path& boot = places.boot_dir;
    const fs::path& root = places.root_dir;
    if (auto choice = file_choice(SelectionRule::debian_links, boot / "vmlinuz",
                                  {boot / "initrd.img"}, (boot / "vmlinuz").string(), notes))
        return finish(std::move(*choice), notes);
    if (auto choice = file_choice(SelectionRule::debian_links, root / "vmlinuz",
                                  {root / "initrd.img"}, (root / "vmlinuz").string(), notes))
        return finish(std::move(*choice), notes);

    const std::string& release = places.running_release;
    fs::path by_release = boot / ("vmlinuz-" + release);
    if (!release.empty()) {
        if (auto choice = file_choice(
                SelectionRule::running_release, by_release,
                {boot / ("initrd.img-" + release), boot / ("initramfs-" + release + ".img")},
                by_release.string() + ", the running release", notes))
            return finish(std::move(*choice), notes);
    }

    std::string tried =
        "no kernel to load: no --kernel, no kernel in the config file, no usable "
        "entry in " +
        (boot / "loader" / "entries").string() + ", no " + (boot / "vmlinuz").string() + " or " +
        (root / "vmlinuz").string();
    if (!release.empty())
        tried += ", no " + by_release.string();
    for (const auto& note : notes)
        tried += "; " + note;
    return Error{tried, ENOENT};
}

}  // namespace fastinit
