// What `fastinit kexec load` staged, kept in a small file
// (/run/fastinit/kexec-staged.json) so that `fastinit reboot` can skip a
// second kexec_file_load — about 1.5 s under QEMU/TCG (signature check and
// hashing of the image), all of it on the reboot's critical path — when the
// staged image is exactly what it would load now.
//
// The kernel keeps no record we could ask (/sys/kernel/kexec_loaded says only
// 0 or 1), so the record holds identities, never contents: each file's stat
// identity (replaced, rewritten or re-linked files differ), the exact command
// line, and a hash of the bytes appended to the initrd (the device-cache
// snapshot: small, so hashing it on every reboot is cheap and exact). A
// record is trusted only while a kernel is loaded; a kernel loaded by some
// other tool behind our back is not detected (see docs/reboot.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "kexec/kernel_selection.h"

namespace fastinit {

struct FileIdentity {
    std::string path;
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileIdentity&) const = default;
};

struct StagedRecord {
    FileIdentity kernel;
    std::vector<FileIdentity> initrds;  // in load order; empty: no initrd
    std::string cmdline;                // exactly as loaded
    std::string device_cache = "none";  // "none", or "fnv1a64:HEX:BYTES" of what was appended
    bool operator==(const StagedRecord&) const = default;
};

// The record of loading `choice` with `cmdline` and `appended` after the
// initrd. Stats the files now: call it before opening them for the load, so
// that a file replaced in between differs from its record (a needless reload
// next time, never a wrong reuse). An Error names a file that cannot be
// stat'ed.
Result<StagedRecord> make_staged_record(const KernelChoice& choice, const std::string& cmdline,
                                        std::string_view appended);

// Atomically, creating the directory when missing (in companion mode nothing
// else creates /run/fastinit).
Result<void> write_staged_record(const std::string& path, const StagedRecord& record);

// An Error with errno ENOENT when there is no record; an Error too when the
// file is not a record (garbage, another version).
Result<StagedRecord> read_staged_record(const std::string& path);

// A record that is already gone is fine.
Result<void> remove_staged_record(const std::string& path);

struct StagedVerdict {
    bool reuse = false;
    bool had_record = false;  // false: nothing was recorded, nothing worth saying
    std::string reason;       // why not reused: "the command line changed", ...
};

// Reuse only when a kernel is loaded (`loaded`: /sys/kernel/kexec_loaded),
// the record could be read, and it equals `wanted` (what would be loaded
// now). Any doubt means loading again.
StagedVerdict judge_staged(const Result<bool>& loaded, const Result<StagedRecord>& staged,
                           const Result<StagedRecord>& wanted);

}  // namespace fastinit
