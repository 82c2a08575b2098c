// The storage layers a root may sit on (md RAID, LVM; LUKS is to come as
// one more kind), and the rule for when stage 1 assembles them — decided
// here, done through Stage1System (assemble_md, activate_lvm).
//
// The rule, in order:
//   1. The image carries none of the tools (mdadm, lvm): nothing, as a
//      plain image always did.
//   2. The device cache has a root record for this root= (a cache hit)
//      with layers: exactly those, at once. A record without layers (a
//      plain root, or one written before layers were recorded) goes on to
//      rules 3 and 4.
//   3. root= names a node only assembly makes (/dev/mapper/*, /dev/md*,
//      /dev/dm-*, /dev/VG/LV): every kind the image can assemble, at once.
//   4. Otherwise (LABEL=, UUID=, a plain /dev/sdX with no record): look for
//      the root for kLayerGrace first; only when it is not there by then,
//      assemble every kind the image can, then wait as usual. A plain root
//      is found within the grace and costs nothing more.
// Without a record the kinds go in the order of kLayerKinds: md before
// lvm, so LVM on RAID works too.
//
// A new kind (LUKS: "luks", from a dm/uuid starting CRYPT-) is one entry in
// kLayerKinds and default_layer_modules, one Stage1System call and its
// branch in stage 1's assemble(), its tool in real_stage1_system.cpp's
// kLayerTools and mkinitramfs's LAYERS, and its uuid prefix in
// device-cache/root_stack.cpp (which refuses it today).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/duration.h"
#include "device-cache/device_cache.h"

namespace fastinit {

// Every kind stage 1 can assemble, in the order it assembles them when
// nothing recorded the stack.
inline const std::vector<std::string> kLayerKinds = {"md", "luks", "lvm"};

// How long a root= that could be on a layer is looked for before the
// layers are assembled (rule 4).
inline constexpr Duration kLayerGrace = std::chrono::seconds(2);

// The modules a kind needs when nothing recorded which (rules 3 and 4):
// md's core and its common personalities; device-mapper with the targets
// LVM volumes use besides linear (built into dm_mod).
std::vector<std::string> default_layer_modules(const std::string& kind);

// LayerPlan::why for a plan from the root record.
inline constexpr const char* kFromTheRecord = "the device cache's root record";

struct LayerPlan {
    // To assemble, in order; each with the modules to load first.
    std::vector<RootLayer> layers;
    // Look for the root for kLayerGrace before assembling (rule 4).
    bool after_grace = false;
    // Why, for the log: "the device cache's root record", ...
    std::string why;
    // Kinds the record names that this image cannot assemble (no tool).
    std::vector<std::string> missing_tools;
};

// The plan for root= `source`, with the kinds whose tools the image has
// (`tools`), and the cache's root record when it is for this root=
// (`cached`, else nullptr).
LayerPlan plan_root_layers(const std::string& source, const RootRecord* cached,
                           const std::vector<std::string>& tools);

// Whether root= `source` names a node that only an assembled layer makes.
bool names_a_layer_node(const std::string& source);

// One md array as /proc/mdstat shows it after assembly.
struct MdArrayState {
    std::string name;   // "md0"
    std::string level;  // "raid1"; "" when inactive
    bool active = false;
    int working = 0, total = 0;  // "[2/1]": 2 devices, 1 working

    bool degraded() const { return active && working < total; }
    bool operator==(const MdArrayState&) const = default;
};

// The arrays in /proc/mdstat's text.
std::vector<MdArrayState> parse_mdstat(const std::string& text);

// "md0: degraded, 1 of 2 devices" / "md0: raid1, 2 of 2 devices" /
// "md0: inactive (not enough devices to start it)".
std::string describe_md_array(const MdArrayState& array);

}  // namespace fastinit
