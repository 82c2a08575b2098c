// base: byte sizes as unit files write them (memory_max, limit_*).
#include <gtest/gtest.h>

#include "base/byte_size.h"

namespace fastinit {
namespace {

TEST(ByteSize, NumbersAndBinarySuffixes) {
    EXPECT_EQ(parse_byte_size("4096").bytes, 4096u);
    EXPECT_EQ(parse_byte_size("64K").bytes, 64u << 10);
    EXPECT_EQ(parse_byte_size("8M").bytes, 8u << 20);
    EXPECT_EQ(parse_byte_size("2G").bytes, uint64_t{2} << 30);
    EXPECT_EQ(parse_byte_size("1T").bytes, uint64_t{1} << 40);
    EXPECT_EQ(parse_byte_size("0").status, ByteSizeStatus::ok);
}

TEST(ByteSize, AnythingElseIsNotASize) {
    for (const char* text : {"", "K", "-1", "1k", "1KB", "1 K", " 1", "1.5G", "0x10", "12Q"})
        EXPECT_EQ(parse_byte_size(text).status, ByteSizeStatus::not_a_size) << text;
    EXPECT_EQ(parse_byte_size("64K", false).status, ByteSizeStatus::not_a_size);
    EXPECT_EQ(parse_byte_size("64", false).bytes, 64u);
}

TEST(ByteSize, NothingOverflows) {
    EXPECT_EQ(parse_byte_size("4611686018427387904").status, ByteSizeStatus::ok);  // 2^62
    EXPECT_EQ(parse_byte_size("4611686018427387905").status, ByteSizeStatus::too_large);
    EXPECT_EQ(parse_byte_size("4194304T").status, ByteSizeStatus::ok);  // 2^62
    EXPECT_EQ(parse_byte_size("4194305T").status, ByteSizeStatus::too_large);
    EXPECT_EQ(parse_byte_size("99999999999999999999999").status, ByteSizeStatus::too_large);
}

}  // namespace
}  // namespace fastinit
