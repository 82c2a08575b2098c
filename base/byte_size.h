// Byte sizes as unit files write them: a whole number with an optional
// binary suffix K, M, G or T (powers of 1024), e.g. "4096", "64K", "2G".
// Rule: a result is at most 2^62, so no shift overflows and every kernel
// interface that takes it (rlimits, memory.max) can hold it.
#pragma once

#include <cstdint>
#include <string_view>

namespace fastinit {

enum class ByteSizeStatus { ok, not_a_size, too_large };

struct ByteSize {
    ByteSizeStatus status = ByteSizeStatus::not_a_size;
    uint64_t bytes = 0;
};

// `suffix_allowed` false: a plain number only (counts, not sizes).
ByteSize parse_byte_size(std::string_view text, bool suffix_allowed = true);

}  // namespace fastinit
