// Writing files that root creates where others might lurk: a runtime
// directory that was there before us, a path whose last component someone
// replaced with a symlink. Every write goes through a directory we opened and
// checked, under a temporary name nobody could have prepared, then a rename.
#pragma once

#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace fastinit {

// Succeeds when the open directory `dir` can only be changed by us: owned by
// our effective uid and neither group- nor world-writable. Anyone else who
// could change it could swap a file we are about to write for a symlink.
// `shown` names it in the error.
Result<void> check_private_directory(int dir, const std::string& shown);

// Opens `path` as a directory without following a symlink in its last
// component, and checks it with check_private_directory.
Result<UniqueFd> open_private_directory(const std::string& path);

// Writes `name` inside the checked directory `dir`: a fresh temporary file
// (random name, O_EXCL|O_NOFOLLOW), mode `mode`, synced, then renamed over
// `name`, so readers see the old or the new content, never a mix, and a
// symlink planted at any of these names is replaced, never followed.
Result<void> write_file_atomically_at(int dir, const std::string& name, const std::string& data,
                                      unsigned mode, const std::string& shown);

// The same for a path: its directory is opened and checked first.
Result<void> write_file_atomically(const std::string& path, const std::string& data,
                                   unsigned mode = 0644);

}  // namespace fastinit
