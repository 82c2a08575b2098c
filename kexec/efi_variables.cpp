#include "kexec/efi_variables.h"

#include <cerrno>
#include <cstdint>

#include "base/text.h"

namespace fastinit {
namespace {

// Entry ids are short; efivarfs caps variables far above this anyway.
constexpr size_t kMaxVariableSize = 4096;

void append_utf8(std::string& out, uint32_t c) {
    if (c < 0x80) {
        out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (c >> 12)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (c >> 18)));
        out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
}

}  // namespace

Result<std::optional<std::string>> EfivarsDirectory::read_loader_variable(std::string_view name) {
    std::filesystem::path path = m_dir / (std::string(name) + "-" + kLoaderVendorGuid);
    auto bytes = read_file_at_most(path.string(), kMaxVariableSize);
    if (!bytes) {
        if (bytes.error().errno_value == ENOENT)
            return std::optional<std::string>();
        return bytes.error();
    }
    return std::optional<std::string>(std::move(*bytes));
}

Result<std::string> decode_efi_string(std::string_view bytes) {
    if (bytes.size() < 4)
        return Error{"shorter than its 4 attribute bytes", EINVAL};
    bytes.remove_prefix(4);
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 2) {
        if (i + 1 >= bytes.size())
            return Error{"an odd number of UTF-16 bytes", EINVAL};
        uint32_t unit = static_cast<unsigned char>(bytes[i]) |
                        (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
        if (unit == 0)
            break;
        if (unit >= 0xdc00 && unit <= 0xdfff)
            return Error{"an unpaired UTF-16 surrogate", EINVAL};
        if (unit >= 0xd800 && unit <= 0xdbff) {
            if (i + 3 >= bytes.size())
                return Error{"an unpaired UTF-16 surrogate", EINVAL};
            uint32_t low = static_cast<unsigned char>(bytes[i + 2]) |
                           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 3])) << 8);
            if (low < 0xdc00 || low > 0xdfff)
                return Error{"an unpaired UTF-16 surrogate", EINVAL};
            unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
            i += 2;
        }
        append_utf8(out, unit);
    }
    return out;
}

Result<std::optional<std::string>> read_loader_string(EfiVariables& variables,
                                                      std::string_view name) {
    auto bytes = variables.read_loader_variable(name);
    if (!bytes)
        return Error{std::string(name) + ": " + bytes.error().message, bytes.error().errno_value};
    if (!*bytes)
        return std::optional<std::string>();
    auto text = decode_efi_string(**bytes);
    if (!text)
        return Error{std::string(name) + ": " + text.error().message, EINVAL};
    if (text->empty())
        return std::optional<std::string>();
    return std::optional<std::string>(std::move(*text));
}

}  // namespace fastinit
