// systemd-boot's EFI variables (LoaderEntryOneShot, LoaderEntryDefault), which
// `fastinit reboot` reads from efivarfs: 4 attribute bytes, then UTF-16LE.
//
// Input: a variable's bytes. The decoded text must be valid UTF-8 whenever
// the decoder accepts the bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kexec/efi_variables.h"

namespace {

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2)
                return false;
        i += n;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto text = decode_efi_string(bytes);
    if (text) {
        if (!valid_utf8(*text) || text->find('\0') != std::string::npos)
            std::abort();
    } else if (text.error().message.empty()) {
        std::abort();
    }
    return 0;
}
