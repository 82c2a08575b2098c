#include "kexec/kexec_errors.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "base/text.h"

namespace fastinit {
namespace {

constexpr int kCapSysBoot = 22;  // linux/capability.h

}  // namespace

std::string parse_lockdown(std::string_view text) {
    size_t open = text.find('[');
    size_t close = text.find(']', open);
    if (open == std::string_view::npos || close == std::string_view::npos)
        return "";
    return std::string(text.substr(open + 1, close - open - 1));
}

bool status_has_cap_sys_boot(std::string_view status) {
    constexpr std::string_view kKey = "CapEff:";
    size_t at = status.find(kKey);
    if (at == std::string_view::npos)
        return false;
    std::string hex(status.substr(at + kKey.size(), status.find('\n', at) - at - kKey.size()));
    uint64_t caps = std::strtoull(hex.c_str(), nullptr, 16);
    return (caps >> kCapSysBoot) & 1;
}

KexecFacts read_kexec_facts(const std::filesystem::path& proc, const std::filesystem::path& sys) {
    KexecFacts facts;
    if (auto status = read_file((proc / "self" / "status").string()))
        facts.has_cap_sys_boot = status_has_cap_sys_boot(*status);
    if (auto disabled = read_file((proc / "sys" / "kernel" / "kexec_load_disabled").string()))
        facts.load_disabled = !disabled->empty() && (*disabled)[0] == '1';
    if (auto lockdown = read_file((sys / "kernel" / "security" / "lockdown").string()))
        facts.lockdown = parse_lockdown(*lockdown);
    return facts;
}

std::string decode_kexec_errno(int errno_value) {
    switch (errno_value) {
        case ENOSYS:
            return "this kernel was built without kexec_file_load (CONFIG_KEXEC_FILE), or the "
                   "architecture lacks it";
        case EPERM:
            return "not permitted: loading a kernel needs CAP_SYS_BOOT (root), kexec may be "
                   "disabled (kernel.kexec_load_disabled = 1), or the running kernel is locked "
                   "down and loads only kernels signed with a trusted key";
        case EKEYREJECTED:
            return "the kernel's signature was rejected: the running kernel (locked down, or "
                   "booted with Secure Boot) loads only kernels signed with a key it trusts";
        case EBADMSG:
            return "the kernel's signature is malformed or does not match the image, and the "
                   "running kernel (locked down, or booted with Secure Boot) requires a valid one";
        case ENOKEY:
            return "the key that signed the kernel is not in the running kernel's keyrings, and "
                   "a trusted signature is required (locked down, or booted with Secure Boot)";
        case ENODATA:
            return "the kernel is not signed, and the running kernel (locked down, or booted "
                   "with Secure Boot) requires a signature";
        case ENOEXEC:
            return "not a kernel image this kernel can boot (another architecture, a compressed "
                   "or ELF vmlinux instead of the bootable image, or not a kernel at all)";
        case EADDRNOTAVAIL:
            return "no memory hole large enough for the new kernel and initrd (the initrd may be "
                   "too large, or the memory map too fragmented)";
        case ENOMEM:
            return "not enough memory to stage the new kernel and initrd";
        case EINVAL:
            return "the running kernel rejected the request: the command line may be too long "
                   "for the new kernel, or the image's boot header is not supported";
        case EBUSY:
            return "another kexec load or unload is in progress";
        case ENOENT:
            return "the kernel or initrd file does not exist";
        case EACCES:
            return "permission denied reading the kernel or initrd (or a security module, such "
                   "as IMA appraisal, refused it)";
        case ETXTBSY:
            return "the kernel or initrd is open for writing elsewhere (a package update in "
                   "progress?); try again once it is written";
        case EFBIG:
            return "the kernel or initrd is too large to load";
        case EBADF:
            return "the kernel or initrd file descriptor is not open for reading";
        case EIO:
            return "an I/O error while reading the kernel or initrd";
        default:
            return std::string("kexec_file_load failed: ") + std::strerror(errno_value);
    }
}

std::string decode_kexec_errno(int errno_value, const KexecFacts& facts) {
    if (errno_value != EPERM)
        return decode_kexec_errno(errno_value);
    if (!facts.has_cap_sys_boot)
        return "not permitted: loading a kernel needs CAP_SYS_BOOT; run it as root";
    if (facts.load_disabled)
        return "kexec is disabled on this system (kernel.kexec_load_disabled = 1, which stays "
               "set until the next boot)";
    if (facts.lockdown == "integrity" || facts.lockdown == "confidentiality")
        return "the running kernel is locked down (lockdown=" + facts.lockdown +
               ", as with Secure Boot) and loads only kernels signed with a trusted key; this "
               "one is not";
    return decode_kexec_errno(EPERM);
}

}  // namespace fastinit
