// Rule: a unit file is at most kMaxUnitFileSize bytes, and a larger one is
// never read whole. Unit files are a few hundred bytes; a file of megabytes
// is a mistake or an attack, and PID 1 would otherwise hold all of it in
// memory (and hand all of it to the TOML parser, twice: see
// parse_preflight.h). The size is checked with fstat before reading, and
// reading stops one byte past the limit whatever fstat said (a file that
// grows, a file whose size the kernel does not know).
#pragma once

#include <cstddef>
#include <string>

#include "base/result.h"

namespace fastinit {

inline constexpr size_t kMaxUnitFileSize = size_t{1} << 20;  // 1 MiB

// The file's bytes. An Error for an unreadable file names it; the one for
// a file over the limit names the limit (the caller names the file).
Result<std::string> read_unit_file(const std::string& path, size_t limit = kMaxUnitFileSize);

}  // namespace fastinit
