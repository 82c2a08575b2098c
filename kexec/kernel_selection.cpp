#include "kexec/kernel_selection.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "kexec/boot_entries.h"

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

// Rule 3. Skipped entries become notes whether or not an entry is chosen.
std::optional<KernelChoice> boot_loader_choice(const fs::path& boot_dir,
                                               std::vector<std::string>& notes) {
    BootEntries entries = read_boot_entries(boot_dir);
    for (const auto& skipped : entries.skipped)
        notes.push_back("skipped " + skipped.file + ": " + skipped.reason);
    auto chosen = choose_default_entry(entries);
    if (!chosen)
        return std::nullopt;
    const BootEntry& entry = entries.entries[chosen->index];
    KernelChoice choice;
    choice.kernel = entry.kernel;
    choice.initrds = entry.initrds;
    choice.rule = SelectionRule::boot_loader_spec;
    choice.reason = "loader/entries/" + entry.id + ".conf";
    if (!entry.title.empty())
        choice.reason += " (\"" + entry.title + "\")";
    choice.reason += ", " + chosen->why;
    if (!entry.options.empty())
        choice.entry_options = entry.options;
    return choice;
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
    }
    return "?";
}

Result<KernelChoice> select_kernel(const KernelOptions& options,
                                   const std::optional<KexecConfig>& config,
                                   const SelectionPlaces& places) {
    if (!options.initrds.empty() && !options.kernel)
        return Error{"--initrd needs --kernel (an initrd belongs to a kernel)", EINVAL};

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
    if (auto choice = boot_loader_choice(places.boot_dir, notes))
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
