// The initramfs's /sbin/modprobe: what the kernel's request looks like, and
// everything else refused (boot/kernel_modprobe.h).
#include <gtest/gtest.h>

#include "boot/kernel_modprobe.h"

namespace fastinit {
namespace {

TEST(KernelModprobe, TakesTheKernelsOwnCall) {
    // What call_modprobe in kernel/kmod.c runs.
    auto request = parse_modprobe_request({"-q", "--", "md-level-1"});
    ASSERT_TRUE(request) << request.error().message;
    EXPECT_EQ(request->name, "md-level-1");
    EXPECT_TRUE(request->quiet);
}

TEST(KernelModprobe, TakesAPlainNameAndTheBlacklistFlag) {
    auto request = parse_modprobe_request({"-b", "crypto-xts(aes)"});
    ASSERT_TRUE(request) << request.error().message;
    EXPECT_EQ(request->name, "crypto-xts(aes)");
    EXPECT_FALSE(request->quiet);
}

TEST(KernelModprobe, ANameAfterDoubleDashMayLookLikeAnOption) {
    auto request = parse_modprobe_request({"--", "-odd"});
    ASSERT_TRUE(request) << request.error().message;
    EXPECT_EQ(request->name, "-odd");
}

TEST(KernelModprobe, RefusesWhatIsNotALoad) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"-r", "raid1"}, {"--show-depends", "raid1"}, {"-q"}, {}, {"raid1", "x=1"}}) {
        auto request = parse_modprobe_request(args);
        EXPECT_FALSE(request) << "accepted " << ::testing::PrintToString(args);
    }
    auto removal = parse_modprobe_request({"-r", "raid1"});
    ASSERT_FALSE(removal);
    EXPECT_NE(removal.error().message.find("only loads what the kernel asks for"),
              std::string::npos)
        << removal.error().message;
}

TEST(KernelModprobe, RefusesANameNoAliasCouldBe) {
    EXPECT_FALSE(parse_modprobe_request({""}));
    EXPECT_FALSE(parse_modprobe_request({std::string(4096, 'a')}));
}

}  // namespace
}  // namespace fastinit
