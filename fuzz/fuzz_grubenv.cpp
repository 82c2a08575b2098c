// GRUB's environment block and the entry names in it, which `fastinit
// reboot` reads from /boot/grub/grubenv to boot what GRUB would: any bytes.
//
// Input: a grubenv's text (the signature is added in front when missing,
// so that most inputs reach the variables); every value is also read as a
// GRUB menu entry name.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kexec/grubenv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string text(reinterpret_cast<const char*>(data), size);
    if (text.rfind(kGrubenvSignature, 0) != 0)
        text.insert(0, kGrubenvSignature);
    auto env = parse_grubenv(text);
    if (!env)
        std::abort();  // the signature is there: it always parses
    for (const auto& [name, value] : env->variables) {
        if (name.empty() || name.find('\n') != std::string::npos)
            std::abort();
        GrubEntryName entry = parse_grub_entry_name(value);
        // A release is only ever a file-name part.
        if (entry.release.find('/') != std::string::npos ||
            entry.release.find("..") != std::string::npos)
            std::abort();
    }
    return 0;
}
