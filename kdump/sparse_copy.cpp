#include "kdump/sparse_copy.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace fastinit {
namespace {

constexpr size_t kChunk = 1 << 20;  // one read
constexpr size_t kBlock = 4096;     // the unit of a hole

bool all_zero(const char* data, size_t size) {
    return std::all_of(data, data + size, [](char c) { return c == 0; });
}

}  // namespace

Result<uint64_t> copy_leaving_holes(int in, int out) {
    std::vector<char> buffer(kChunk);
    uint64_t offset = 0;
    for (;;) {
        ssize_t got = ::pread(in, buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return system_error("read at byte " + std::to_string(offset));
        }
        if (got == 0)
            break;
        for (size_t at = 0; at < static_cast<size_t>(got); at += kBlock) {
            size_t size = std::min(kBlock, static_cast<size_t>(got) - at);
            if (all_zero(buffer.data() + at, size))
                continue;
            const char* data = buffer.data() + at;
            off_t where = static_cast<off_t>(offset + at);
            while (size > 0) {
                ssize_t put = ::pwrite(out, data, size, where);
                if (put < 0 && errno == EINTR)
                    continue;
                if (put <= 0)
                    return system_error("write at byte " + std::to_string(where));
                data += put;
                where += put;
                size -= static_cast<size_t>(put);
            }
        }
        offset += static_cast<uint64_t>(got);
    }
    // A trailing hole still counts towards the size.
    if (::ftruncate(out, static_cast<off_t>(offset)) != 0)
        return system_error("cannot set the size");
    return offset;
}

}  // namespace fastinit
