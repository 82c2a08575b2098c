#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

namespace fastinit {
namespace {

// A name nobody can guess ahead of us: with O_EXCL, a planted file or
// symlink at a predictable ".tmp" name would otherwise make us fail (or,
// without O_EXCL, write through it).
std::string temporary_name(const std::string& name) {
    unsigned char bytes[8] = {};
    if (::getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != sizeof bytes) {
        // Too early in boot for the pool: the clock and pid still differ
        // between attempts, and O_EXCL keeps a guessed name harmless.
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC, &now);
        unsigned long long mix = static_cast<unsigned long long>(now.tv_nsec) ^
                                 (static_cast<unsigned long long>(::getpid()) << 32);
        for (unsigned char& b : bytes) {
            b = static_cast<unsigned char>(mix);
            mix >>= 8;
        }
    }
    std::string out = "." + name + ".";
    char hex[3];
    for (unsigned char b : bytes) {
        std::snprintf(hex, sizeof hex, "%02x", b);
        out += hex;
    }
    return out + ".tmp";
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<void> check_private_directory(int dir, const std::string& shown) {
    struct stat st;
    if (::fstat(dir, &st) < 0)
        return system_error("cannot inspect " + shown);
    if (!S_ISDIR(st.st_mode))
        return Error{shown + " is not a directory", ENOTDIR};
    if (st.st_uid != ::geteuid())
        return Error{"refusing " + shown + ": it belongs to uid " + std::to_string(st.st_uid) +
                         ", not to uid " + std::to_string(::geteuid()) +
                         " (another user could replace what is written there)",
                     EPERM};
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return Error{"refusing " + shown + ": its mode " + mode +
                         " lets others write there (it must not be group- or world-writable)",
                     EPERM};
    }
    return {};
}

Result<UniqueFd> open_private_directory(const std::string& path) {
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        if (errno == ELOOP || errno == ENOTDIR)
            return Error{"refusing " + path + ": it is not a directory (a symlink?)", errno};
        return system_error("cannot open " + path);
    }
    FI_TRY(check_private_directory(dir.get(), path));
    return dir;
}

Result<void> write_file_atomically_at(int dir, const std::string& name, const std::string& data,
                                      unsigned mode, const std::string& shown) {
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return Error{"not a file name: " + shown, EINVAL};
    std::string tmp = temporary_name(name);
    UniqueFd fd(::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                         mode & 0777));
    if (!fd)
        return system_error("cannot create a temporary file for " + shown);
    auto fail = [&](const std::string& what) {
        int saved = errno;
        ::unlinkat(dir, tmp.c_str(), 0);
        return system_error(what, saved);
    };
    // The umask may have taken bits the caller asked for; the mode is part of
    // what was asked (0644 where others must read).
    if (::fchmod(fd.get(), mode & 0777) < 0)
        return fail("cannot set the mode of " + shown);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return fail("cannot write " + shown);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) < 0)
        return fail("cannot sync " + shown);
    fd.reset();
    if (::renameat(dir, tmp.c_str(), dir, name.c_str()) < 0)
        return fail("cannot replace " + shown);
    return {};
}

Result<void> write_file_atomically(const std::string& path, const std::string& data,
                                   unsigned mode) {
    auto dir = open_private_directory(directory_of(path));
    if (!dir)
        return Error{"cannot write " + path + ": " + dir.error().message, dir.error().errno_value};
    return write_file_atomically_at(dir->get(), path.substr(path.rfind('/') + 1), data, mode, path);
}

}  // namespace fastinit
