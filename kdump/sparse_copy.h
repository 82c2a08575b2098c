// Copying a file that is mostly zeros (a vmcore of a machine whose memory
// was mostly free) without writing the zeros: blocks that read as zeros
// become holes. /proc/vmcore supports neither SEEK_DATA nor copy ranges,
// so it is read block by block.
#pragma once

#include <cstdint>

#include "base/result.h"

namespace fastinit {

// Copies everything `in` reads (from its start) into `out` (empty,
// writable); the bytes copied. `out` ends with the same size as `in`.
Result<uint64_t> copy_leaving_holes(int in, int out);

}  // namespace fastinit
