#include "initd/unit/environment_name.h"

namespace fastinit {
namespace {

constexpr size_t kMaxNameLength = 255;

bool is_name_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string escape_for_message(std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '\n':
                out += "\\n";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\0':
                out += "\\0";
                continue;
            case '"':
            case '\\':
                out += '\\';
                out += c;
                continue;
        }
        if (byte < 0x20 || byte > 0x7e) {
            out += "\\x";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

Result<void> check_environment_name(std::string_view name) {
    std::string quoted = "\"" + escape_for_message(name) + "\"";
    if (name.empty())
        return Error{"a variable name must not be empty"};
    if (name.size() > kMaxNameLength)
        return Error{"the variable name is longer than " + std::to_string(kMaxNameLength) +
                     " characters"};
    std::string mended(name);
    bool ok = name[0] < '0' || name[0] > '9';
    for (char& c : mended) {
        if (!is_name_character(c)) {
            c = '_';
            ok = false;
        }
    }
    if (ok)
        return ok_result();
    std::string message = quoted +
                          " is not a valid variable name (letters, digits and _, not starting "
                          "with a digit)";
    if (mended[0] >= '0' && mended[0] <= '9')
        mended.insert(0, 1, '_');
    message += " (did you mean \"" + mended + "\"?)";
    return Error{message};
}

}  // namespace fastinit
