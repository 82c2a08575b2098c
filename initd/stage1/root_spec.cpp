#include "initd/stage1/root_spec.h"

#include "base/boot_options.h"

namespace fastinit {

Result<RootSpec> root_spec_from_cmdline(const KernelCmdline& cmdline) {
    RootSpec spec;
    auto root = cmdline.value("root");
    if (!root || root->empty())
        return Error{"no root= on the kernel command line; cannot find the real root"};
    spec.source = *root;
    if (is_nfs_root(spec.source)) {
        auto nfs = parse_nfs_root(spec.source, cmdline.value("nfsroot"), cmdline.value("ip"));
        if (!nfs)
            return nfs.error();
        spec.nfs = *nfs;
    }
    bool tag = false;
    for (const char* prefix : {"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="})
        if (spec.source.rfind(prefix, 0) == 0 && spec.source.size() > std::string(prefix).size())
            tag = true;
    if (!tag && !spec.nfs && spec.source.rfind("/dev/", 0) != 0)
        return Error{"root=" + spec.source +
                     " is not understood (use /dev/…, UUID=, LABEL=, PARTUUID=, PARTLABEL=, or "
                     "/dev/nfs, nfs: or nfs4: for NFS)"};
    spec.fstype = cmdline.value("rootfstype").value_or("");
    spec.options = cmdline.value("rootflags").value_or("");
    // The last of ro/rw wins, as in the kernel.
    for (const auto& word : cmdline.words()) {
        if (word == "rw")
            spec.read_only = false;
        else if (word == "ro")
            spec.read_only = true;
    }
    if (cmdline.has("rootwait"))
        spec.timeout.reset();
    BootOptions options = parse_boot_options(cmdline);
    if (options.root_timeout_error)
        return *options.root_timeout_error;
    if (options.root_timeout)
        spec.timeout = *options.root_timeout;
    return spec;
}

}  // namespace fastinit
