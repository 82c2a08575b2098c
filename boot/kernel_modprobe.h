// The kernel's own module requests while the initramfs is the root. Rule:
// the kernel asks for a module by running /sbin/modprobe (its
// kernel.modprobe) with `-q -- NAME`, where NAME is an alias such as
// "md-level-1", "crypto-xts(aes)" or "fs-vfat"; in fastinit's image that is
// fastinit-stage1 under the name `modprobe`, which loads NAME and its
// dependencies through libkmod from the image's modules, as it loads
// everything else. Without it every such request fails silently: an md
// array whose personality nobody loaded stays inactive, dm-crypt finds no
// cipher. So stage 1 need not load every module a layer might ask for up
// front (md's raid456 alone costs seconds on a slow machine): the kernel
// asks for what it uses.
//
// Only loading is answered: this is not a modprobe for people (after
// switch_root the real root's kmod answers the kernel).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

// What the kernel asked for.
struct ModprobeRequest {
    std::string name;    // a module name or an alias
    bool quiet = false;  // -q: the kernel does not want "not found" said
};

// The request in `args` (argv without argv[0]): `[-q] [-b] [--] NAME`, as
// the kernel and the programs that imitate it call modprobe. Anything else
// (-r, -n, several names, module parameters) is an error that says so.
Result<ModprobeRequest> parse_modprobe_request(const std::vector<std::string>& args);

// `modprobe` in the initramfs: answers one request and returns the exit
// status (0 loaded or built in, 1 not). Says what it did in the kernel log:
// a helper the kernel starts has no console.
int run_kernel_modprobe(int argc, char** argv);

}  // namespace fastinit
