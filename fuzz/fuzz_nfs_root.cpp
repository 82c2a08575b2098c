// A root on NFS as the kernel command line gives it (initd/stage1/nfs_root.h):
// root=, nfsroot= and ip= from any bytes, then the mount planned with an
// ipconfig file made of the same bytes, as stage 1 would.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/kernel_cmdline.h"
#include "initd/stage1/nfs_root.h"
#include "initd/stage1/root_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto spec = root_spec_from_cmdline(KernelCmdline::parse(text));
    NetLease lease = parse_net_conf(text);
    if (spec && spec->nfs)
        (void)plan_nfs_mount(*spec->nfs, lease, spec->options);
    for (const char* root : {"/dev/nfs", "nfs:", "nfs4:"}) {
        std::string value = root == std::string_view("/dev/nfs") ? root : root + text;
        auto parsed = parse_nfs_root(value, text, text);
        if (parsed)
            (void)plan_nfs_mount(*parsed, lease, text);
    }
    (void)parse_ip_option(text);
    return 0;
}
