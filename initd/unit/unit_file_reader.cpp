#include "initd/unit/unit_file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/text.h"
#include "base/unique_fd.h"

namespace fastinit {
namespace {

// Without the path: the loader's Diagnostic puts the file's name in front.
Error too_large(size_t limit) {
    return Error{"the file is larger than " + std::to_string(limit) +
                 " bytes, the limit for a unit file; left out of the boot"};
}

}  // namespace

Result<std::string> read_unit_file(const std::string& path, size_t limit) {
    // O_NONBLOCK: a file swapped for a FIFO after the directory scan must
    // not leave PID 1 waiting in open() for a writer.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        return system_error("cannot open " + path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        return system_error("cannot read " + path);
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
        return Error{"not a regular file; left out of the boot"};
    if (st.st_size > 0 && static_cast<unsigned long long>(st.st_size) > limit)
        return too_large(limit);
    // Bounded whatever fstat said: the file may grow, or be /dev/zero.
    auto data = read_fd_at_most(fd.get(), path, limit);
    if (!data && data.error().errno_value == EFBIG)
        return too_large(limit);
    return data;
}

}  // namespace fastinit
