// The root's storage stack: which layers (md arrays, LUKS mappings, LVM
// volumes) stand between the disks and the root device, learnt from sysfs
// once the root is mounted, for the root record (device_cache.h) so the
// next boot assembles them at once. A device-mapper device says what it is
// by its dm/uuid prefix ("LVM-", "CRYPT-LUKS"), an md array by md/level;
// each names what it is made of in slaves/. A LUKS layer is named by its
// mapping (dm/name: "luks-UUID", the crypttab's name), which the next boot
// opens again under that name.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.h"
#include "device-cache/device_cache.h"

namespace fastinit {

// dm-crypt and what the usual LUKS ciphers need. In the initramfs nothing
// answers the kernel's request_module ("crypto-xts(aes)"): they are loaded
// by name. aes-xts-plain64 (LUKS2's default): xts, ecb and aesni_intel
// (aes_generic where the CPU has no AES-NI); aes-cbc-essiv (old LUKS1):
// cbc, essiv; cryptsetup decrypts its key slots through AF_ALG: af_alg,
// algif_skcipher. A root record keeps those of them that were loaded
// when the root was found (/sys/module).
inline const std::vector<std::string> kLuksModules = {
    "dm_mod",      "dm_crypt", "xts",   "ecb",    "aesni_intel",
    "aes_generic", "cbc",      "essiv", "af_alg", "algif_skcipher"};

struct RootStack {
    // In assembly order, innermost first, each once.
    std::vector<RootLayer> layers;
    // The driver modules of the disks at the bottom, outermost first, each
    // once (block_device_driver_modules of every disk).
    std::vector<std::string> modules;
};

// The stack under block device `device`: no layers and its own driver chain
// for a plain disk or partition. A device-mapper device of a kind not
// known here is an error (it could not be assembled again).
Result<RootStack> block_device_stack(dev_t device, const std::string& sysfs = "/sys");

// The same for a block device node such as /dev/mapper/vg-root.
Result<RootStack> root_device_stack(const std::string& device_node);

// The modules an md array of RAID level `level` ("raid1", from md/level)
// needs: md_mod and the level's personality.
std::vector<std::string> md_level_modules(const std::string& level);

// The layers as the cache keeps them (meta root_layers): one a line, "KIND
// NAME MODULE..." separated by spaces; "" for none.
std::string format_root_layers(const std::vector<RootLayer>& layers);
// The reverse; a line with fewer than two words (a damaged cache) is left
// out.
std::vector<RootLayer> parse_root_layers(const std::string& text);

}  // namespace fastinit
