// Which kernel and initrd `fastinit reboot` loads next. The first rule that
// finds a kernel wins:
//
//   1. options      --kernel (with --initrd, if given), else --entry ID: the
//                   Boot Loader Spec entry ID (see boot_entries.h)
//   2. config file  `kernel` in /etc/fastinit/kexec.toml (see kexec_config.h)
//   3. boot loader  the Boot Loader Spec entry the boot loader would start,
//                   the first found of: systemd-boot's LoaderEntryOneShot,
//                   GRUB's next_entry, systemd-boot's LoaderEntryDefault,
//                   GRUB's saved_entry (see efi_variables.h, grubenv.h),
//                   loader.conf's default, the last by version order;
//                   without entries, GRUB's next_entry or saved_entry when
//                   it names a Debian kernel ("gnulinux-RELEASE-advanced-…")
//                   and <boot>/vmlinuz-RELEASE exists
//   4. debian links <boot>/vmlinuz + <boot>/initrd.img, else <root>/vmlinuz +
//                   <root>/initrd.img (Debian's links to the newest kernel)
//   5. release      <boot>/vmlinuz-<running release> + initrd.img-<release>
//                   (or initramfs-<release>.img)
//
// Rules 1 and 2 are explicit: a file or entry they name that is missing is
// an error.
// Rules 3-5 look around: what they cannot use is skipped and, where it helps,
// noted. Nothing here reads the running system: the boot directory, the root
// and the release are parameters.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "kexec/efi_variables.h"
#include "kexec/kexec_config.h"

namespace fastinit {

enum class SelectionRule {
    options,
    config_file,
    boot_loader_spec,
    debian_links,
    running_release,
    entry_option,      // --entry
    grub_saved_entry,  // a Debian GRUB menu entry named in grubenv
};

std::string_view to_string(SelectionRule rule);

// What the user said on the command line.
struct KernelOptions {
    std::optional<std::string> kernel;
    std::optional<std::string> entry;  // --entry: a Boot Loader Spec entry id
    std::vector<std::string> initrds;  // concatenated in order; only with kernel
    std::optional<std::string> cmdline;
    std::vector<std::string> appends;
};

// Where to look.
struct SelectionPlaces {
    std::filesystem::path boot_dir = "/boot";
    std::filesystem::path root_dir = "/";
    std::string running_release;  // uname -r; "" skips rule 5
    // GRUB's environment block; "" means <boot>/grub/grubenv.
    std::filesystem::path grubenv;
    // systemd-boot's variables; nullptr reads none.
    EfiVariables* efi_variables = nullptr;
};

struct KernelChoice {
    std::filesystem::path kernel;
    std::filesystem::path kernel_target;         // where a link leads, "" if none
    std::vector<std::filesystem::path> initrds;  // empty: no initrd
    SelectionRule rule = SelectionRule::options;
    std::string reason;  // which file or entry, and why that one
    // The chosen boot loader entry's `options`; nullopt when no entry was
    // chosen or the entry has none.
    std::optional<std::string> entry_options;
    // Things worth telling: skipped entries, dangling links.
    std::vector<std::string> notes;
};

// `config` is the parsed config file, if there is one. Relative paths in it
// are taken relative to the boot directory; relative --kernel and --initrd
// paths relative to the working directory.
Result<KernelChoice> select_kernel(const KernelOptions& options,
                                   const std::optional<KexecConfig>& config,
                                   const SelectionPlaces& places);

}  // namespace fastinit
