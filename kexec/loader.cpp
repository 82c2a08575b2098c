#include "kexec/loader.h"

#include <fcntl.h>
#include <linux/kexec.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "base/text.h"
#include "base/unique_fd.h"
#include "kexec/initrd_image.h"

namespace fastinit {
namespace {

Result<void> write_text(const std::string& path, const std::string& text) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd)
        return system_error("cannot open " + path);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        return system_error("cannot write " + path);
    return ok_result();
}

long long size_of(int fd) {
    struct stat st;
    return fd >= 0 && ::fstat(fd, &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

}  // namespace

long real_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                          const char* cmdline, unsigned long flags) {
#ifdef SYS_kexec_file_load
    return ::syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, cmdline_len, cmdline, flags);
#else
    (void)kernel_fd, (void)initrd_fd, (void)cmdline_len, (void)cmdline, (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

KexecFileLoadCall recording_kexec_file_load(std::string state_path) {
    return [state_path = std::move(state_path)](int kernel_fd, int initrd_fd,
                                                unsigned long cmdline_len, const char* cmdline,
                                                unsigned long flags) -> long {
        bool unload = flags & KEXEC_FILE_UNLOAD;
        if (!unload) {
            std::string image = "kernel_bytes=" + std::to_string(size_of(kernel_fd)) + "\n";
            bool no_initrd = flags & KEXEC_FILE_NO_INITRAMFS;
            image += "initrd_bytes=" + std::to_string(no_initrd ? -1 : size_of(initrd_fd)) + "\n";
            image += "cmdline=" + std::string(cmdline, cmdline_len ? cmdline_len - 1 : 0) + "\n";
            image +=
                std::string("slot=") + (flags & KEXEC_FILE_ON_CRASH ? "crash" : "reboot") + "\n";
            auto written = write_text(state_path + ".image", image);
            if (!written) {
                errno = written.error().errno_value;
                return -1;
            }
        }
        auto written = write_text(state_path, unload ? "0\n" : "1\n");
        if (!written) {
            errno = written.error().errno_value;
            return -1;
        }
        return 0;
    };
}

SyscallKexecLoader::SyscallKexecLoader(std::string kexec_loaded_path, KexecFileLoadCall call,
                                       KexecSlot slot)
    : m_kexec_loaded_path(std::move(kexec_loaded_path)),
      m_call(std::move(call)),
      m_slot_flags(slot == KexecSlot::crash ? KEXEC_FILE_ON_CRASH : 0) {}

Result<void> SyscallKexecLoader::load(int kernel_fd, int initrd_fd, const std::string& cmdline,
                                      std::string_view extra_initrd) {
    if (cmdline.find('\0') != std::string::npos)
        return Error{"the command line contains a NUL byte", EINVAL};
    UniqueFd combined;
    if (!extra_initrd.empty()) {
        std::vector<int> pieces;
        if (initrd_fd >= 0)
            pieces.push_back(initrd_fd);
        auto fd = concatenate_initrd(pieces, extra_initrd);
        if (!fd)
            return fd.error();
        combined = std::move(*fd);
        initrd_fd = combined.get();
    }
    unsigned long flags = (initrd_fd < 0 ? KEXEC_FILE_NO_INITRAMFS : 0) | m_slot_flags;
    if (m_call(kernel_fd, initrd_fd, cmdline.size() + 1, cmdline.c_str(), flags) != 0) {
        int error = errno;
        return Error{decode_kexec_errno(error, read_kexec_facts()), error};
    }
    auto loaded = is_loaded();
    if (!loaded)
        return Error{"the kernel took the image, but whether it is staged cannot be checked: " +
                         loaded.error().message,
                     loaded.error().errno_value};
    if (!*loaded)
        return Error{"the kernel took the image, yet " + m_kexec_loaded_path + " reads 0", EIO};
    return ok_result();
}

Result<void> SyscallKexecLoader::unload() {
    if (m_call(-1, -1, 0, nullptr, KEXEC_FILE_UNLOAD | m_slot_flags) != 0) {
        int error = errno;
        return Error{
            "cannot unload the staged kernel: " + decode_kexec_errno(error, read_kexec_facts()),
            error};
    }
    auto loaded = is_loaded();
    if (!loaded)
        return loaded.error();
    if (*loaded)
        return Error{"unloaded, yet " + m_kexec_loaded_path + " still reads 1", EIO};
    return ok_result();
}

Result<bool> SyscallKexecLoader::is_loaded() {
    auto text = read_file(m_kexec_loaded_path);
    if (!text)
        return text.error();
    if (!text->empty() && (*text)[0] == '1')
        return true;
    if (!text->empty() && (*text)[0] == '0')
        return false;
    return Error{m_kexec_loaded_path + ": expected 0 or 1", EINVAL};
}

}  // namespace fastinit
