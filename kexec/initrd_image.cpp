#include "kexec/initrd_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

namespace fastinit {
namespace {

constexpr size_t kAlignment = 4;

Result<void> write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return system_error("cannot write the combined initrd");
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return ok_result();
}

// Appends the whole of `fd` to `out`; returns the number of bytes copied.
Result<size_t> copy_from(int fd, int out) {
    std::string buffer(1 << 20, '\0');
    size_t copied = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(copied));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return system_error("cannot read an initrd");
        }
        if (n == 0)
            return copied;
        FI_TRY(write_all(out, buffer.data(), static_cast<size_t>(n)));
        copied += static_cast<size_t>(n);
    }
}

}  // namespace

Result<UniqueFd> concatenate_initrd(const std::vector<int>& fds, std::string_view extra) {
    UniqueFd memfd(::memfd_create("fastinit-initrd", MFD_CLOEXEC));
    if (!memfd)
        return system_error("memfd_create");
    size_t size = 0;
    auto pad = [&]() -> Result<void> {
        static const char kZeros[kAlignment] = {};
        size_t gap = (kAlignment - size % kAlignment) % kAlignment;
        FI_TRY(write_all(memfd.get(), kZeros, gap));
        size += gap;
        return ok_result();
    };
    for (int fd : fds) {
        FI_TRY(pad());
        auto copied = copy_from(fd, memfd.get());
        if (!copied)
            return copied.error();
        size += *copied;
    }
    if (!extra.empty()) {
        FI_TRY(pad());
        FI_TRY(write_all(memfd.get(), extra.data(), extra.size()));
    }
    std::string self = "/proc/self/fd/" + std::to_string(memfd.get());
    UniqueFd read_only(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
    if (!read_only)
        return system_error("cannot reopen the combined initrd read-only through " + self);
    return read_only;
}

}  // namespace fastinit
