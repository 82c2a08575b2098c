#include "base/byte_size.h"

#include <charconv>

namespace fastinit {

ByteSize parse_byte_size(std::string_view text, bool suffix_allowed) {
    uint64_t number = 0;
    const char* begin = text.data();
    const char* end = begin + text.size();
    auto [rest, ec] = std::from_chars(begin, end, number);
    if (ec == std::errc::result_out_of_range)
        return {ByteSizeStatus::too_large, 0};
    if (ec != std::errc() || rest == begin)
        return {};
    int shift = 0;
    if (rest != end) {
        if (!suffix_allowed || end - rest != 1)
            return {};
        switch (*rest) {
            case 'K':
                shift = 10;
                break;
            case 'M':
                shift = 20;
                break;
            case 'G':
                shift = 30;
                break;
            case 'T':
                shift = 40;
                break;
            default:
                return {};
        }
    }
    if (number > (uint64_t{1} << (62 - shift)))
        return {ByteSizeStatus::too_large, 0};
    return {ByteSizeStatus::ok, number << shift};
}

}  // namespace fastinit
