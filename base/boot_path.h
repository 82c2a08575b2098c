// How this kernel was started: by kexec, or through the firmware and a boot
// loader. Rule: ask the kernel, never guess from timings. On x86 the setup
// header the kernel was entered with is kept in /sys/kernel/boot_params/data;
// its type_of_loader byte (offset 0x210) names the loader in its high
// nibble, and the kernel's own kexec loaders (kexec_file_load's bzImage and
// ELF loaders, kexec-tools) write 0xD there (Documentation/arch/x86/boot.rst
// lists the IDs). Elsewhere, or unreadable: unknown.
#pragma once

#include <string>
#include <string_view>

namespace fastinit {

inline constexpr const char* kBootParamsPath = "/sys/kernel/boot_params/data";

enum class BootPath { kexec, firmware, unknown };

// From the bytes of boot_params (what the file holds, or part of it).
BootPath boot_path_from_params(std::string_view boot_params);
BootPath read_boot_path(const std::string& boot_params_path = kBootParamsPath);
// "kexec", "firmware", "unknown".
const char* boot_path_name(BootPath path);

}  // namespace fastinit
