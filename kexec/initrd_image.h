// One initrd made of several pieces, because kexec_file_load takes a single
// initrd fd. The initramfs format accepts concatenated archives (compressed
// or not): the kernel unpacks them in order, later files replacing earlier
// ones, and skips NUL bytes between them. Each piece after the first starts
// on a 4-byte boundary, which cpio headers need; the gap is NUL-filled.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace fastinit {

// Copies each fd's whole contents (from offset 0, whatever its position) and
// then `extra` into a memfd, padding between pieces as above. The returned fd
// is read-only and close-on-exec: the kernel refuses to read a file that is
// open for writing (ETXTBSY), so the writable memfd is reopened through
// /proc/self/fd and closed.
Result<UniqueFd> concatenate_initrd(const std::vector<int>& fds, std::string_view extra);

}  // namespace fastinit
