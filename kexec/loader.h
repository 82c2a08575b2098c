// Loading the next kernel into the running one, behind an interface: the
// reboot sequence is tested with a fake, and the real load happens only in
// VMs.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "kexec/kexec_errors.h"

namespace fastinit {

class KexecLoader {
  public:
    virtual ~KexecLoader() = default;
    // Stages the kernel to jump to on reboot(LINUX_REBOOT_CMD_KEXEC),
    // replacing any staged one. `initrd_fd` is -1 for none. Non-empty
    // `extra_initrd` bytes (a cpio archive, e.g. a fresh device-cache
    // snapshot) are appended to the initrd (see initrd_image.h). On failure
    // the Error carries the errno and a sentence saying what it means.
    virtual Result<void> load(int kernel_fd, int initrd_fd, const std::string& cmdline,
                              std::string_view extra_initrd) = 0;
    // Drops the staged kernel, if any.
    virtual Result<void> unload() = 0;
    virtual Result<bool> is_loaded() = 0;
};

// The system call, as a value so that tests and namespace runs can replace
// it: (kernel_fd, initrd_fd, cmdline_len including the NUL, cmdline, flags)
// → 0, or -1 with errno set.
using KexecFileLoadCall =
    std::function<long(int kernel_fd, int initrd_fd, unsigned long cmdline_len, const char* cmdline,
                       unsigned long flags)>;

// syscall(SYS_kexec_file_load, ...); ENOSYS where the architecture has none.
long real_kexec_file_load(int kernel_fd, int initrd_fd, unsigned long cmdline_len,
                          const char* cmdline, unsigned long flags);

// Never touches the kernel: writes "1\n" (load) or "0\n" (unload) to
// `state_path` and describes the image in `state_path`.image
// ("kernel_bytes=N", "initrd_bytes=N" (-1 for none), "cmdline=...",
// "slot=reboot|crash" lines).
// For namespace tests, with the manager's --kexec-loaded-path pointing at
// the same file.
KexecFileLoadCall recording_kexec_file_load(std::string state_path);

// The kernel keeps two staged images apart: the one reboot(KEXEC) jumps
// into, and the crash kernel a panic jumps into (kdump, kdump/).
enum class KexecSlot { reboot, crash };

// kexec_file_load(2), checked against `kexec_loaded_path`
// (/sys/kernel/kexec_loaded, or kexec_crash_loaded for the crash slot)
// afterwards: a load the kernel does not report is an error.
// KEXEC_FILE_NO_INITRAMFS when there is no initrd, KEXEC_FILE_UNLOAD to
// unload, KEXEC_FILE_ON_CRASH on both for the crash slot.
class SyscallKexecLoader : public KexecLoader {
  public:
    explicit SyscallKexecLoader(std::string kexec_loaded_path = "/sys/kernel/kexec_loaded",
                                KexecFileLoadCall call = real_kexec_file_load,
                                KexecSlot slot = KexecSlot::reboot);

    Result<void> load(int kernel_fd, int initrd_fd, const std::string& cmdline,
                      std::string_view extra_initrd) override;
    Result<void> unload() override;
    Result<bool> is_loaded() override;

  private:
    std::string m_kexec_loaded_path;
    KexecFileLoadCall m_call;
    unsigned long m_slot_flags = 0;
};

}  // namespace fastinit
