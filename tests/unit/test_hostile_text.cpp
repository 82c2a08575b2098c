// Text from outside that PID 1 or the reboot client turns into JSON or
// parses: stage 1's report with bytes that are not UTF-8, and kexec.toml and
// Boot Loader Spec entries that toml++ or the parser could choke on. Each
// input gets an answer (a report, an Error), never an exception or a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/initrd_report.h"
#include "base/json_text.h"
#include "base/text.h"
#include "base/toml_guard.h"
#include "kexec/boot_entries.h"
#include "kexec/kexec_config.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

InitrdReport::Devices hostile_devices() {
    InitrdReport::Devices devices;
    devices.mode = "probe";
    // What a cache written for a "kernel" with a stray byte makes the reason.
    devices.reason = "probing: the device cache was written for kernel 6.1\xff, not 6.1";
    devices.root_first = {"virtio\xc3", "ext4"};
    return devices;
}

TEST(Stage1Report, InvalidUtf8FromTheCacheIsReplacedNotThrown) {
    nlohmann::json report;
    InitrdReport::Devices devices = hostile_devices();
    devices.start_us = 10;
    devices.end_us = 20;
    report["devices"] = devices;
    report["next_init"] = "/sbin/\xe2\x28\xa1init";
    EXPECT_THROW((void)report.dump(1), nlohmann::json::type_error);

    std::string error;
    std::string text;
    EXPECT_NO_THROW(text = stage1_report_text(report, error));
    EXPECT_EQ(error, "");
    EXPECT_TRUE(is_valid_utf8(text));
    auto parsed = nlohmann::json::parse(text);
    EXPECT_EQ(parsed["devices"]["reason"],
              "probing: the device cache was written for kernel 6.1\xef\xbf\xbd, not 6.1");
    EXPECT_EQ(parsed["devices"]["root_first"][1], "ext4");
    EXPECT_EQ(parsed["devices"]["start_us"], 10);
    EXPECT_EQ(parsed["devices"]["end_us"], 20);
}

TEST(Stage1Report, AWellFormedReportIsUnchanged) {
    InitrdReport::Devices devices;
    devices.mode = "cache-hit";
    devices.reason = "using the device cache: the fingerprint matches (ünïcode kept)";
    nlohmann::json report;
    devices.start_us = 1;
    devices.end_us = 2;
    report["devices"] = devices;
    std::string error;
    EXPECT_EQ(stage1_report_text(report, error), report.dump(1) + "\n");
}

TEST(JsonText, EveryByteValueIsWritable) {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    auto text = json_text(nlohmann::json{{"all", all}});
    ASSERT_TRUE(text.ok());
    EXPECT_TRUE(is_valid_utf8(*text));
}

// Inputs that send toml++ 3.3.0 into undefined behaviour or that used to
// be suspects; each must come back as an Error naming the file.
TEST(KexecConfigInput, CrashInputsGiveAClearError) {
    for (std::string text : {std::string("[[["), std::string("a = [[["), std::string("\xd1\xa8u"),
                             std::string("kernel = \xd1\xa8u"), std::string("[\xd1\xa8]"),
                             std::string("a.\xd1\xa8 = 1"), std::string("kernel = \"x\"\n\xff"),
                             std::string(300, '.'), "a" + std::string(20000, ' '),
                             // toml++ reads on past the error at "'" and
                             // classifies the U+00FC in what follows.
                             std::string("a = 2.2'\xc3\xbc'\n"),
                             std::string("a.b = 2.21\x13x['/vda.a.a\xc3\xbc\0\0E", 27)}) {
        Result<KexecConfig> config = KexecConfig{};
        EXPECT_NO_THROW(config = parse_kexec_config(text, "/etc/fastinit/kexec.toml"));
        ASSERT_FALSE(config.ok()) << text;
        EXPECT_THAT(config.error().message, StartsWith("/etc/fastinit/kexec.toml")) << text;
    }
}

TEST(KexecConfigInput, NonAsciiOutsideStringsIsNamedWithItsPlace) {
    auto config = parse_kexec_config("kernel = \"/boot/vmlinuz\"\ncmdline = \xd1\xa8u\n", "k.toml");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().message,
              "k.toml:2:11: a non-ASCII character outside strings and comments (TOML allows "
              "them only there)");
}

TEST(KexecConfigInput, NonAsciiInStringsAndCommentsIsFine) {
    auto config = parse_kexec_config(
        "# für den Neustart\nkernel = \"/boot/vmlinuz-\xd1\xa8\"\nappend = 'quiet \xd1\xa8u'\n"
        "cmdline = \"\"\"root=/dev/vda1 \xd1\xa8\"\"\"\n",
        "k.toml");
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->kernel, "/boot/vmlinuz-\xd1\xa8");
    EXPECT_EQ(config->append, "quiet \xd1\xa8u");
}

TEST(TomlGuard, FindsThePlace) {
    EXPECT_FALSE(find_unsafe_toml("a = \"x.y.z\"\n[b.c]\nd = 1 # \xd1\xa8 . \n"));
    auto found = find_unsafe_toml("a = 1\nb = \"\xff\"\n");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->line, 2);
    EXPECT_EQ(found->message, "this line is not UTF-8 text");
    found = find_unsafe_toml("x = '''\n\xd1\xa8\n''' \xd1\xa8");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->line, 3);
    EXPECT_EQ(found->column, 5);
    // An escaped quote: still in the string.
    EXPECT_FALSE(find_unsafe_toml("a = \"\\\"\xd1\xa8\"\n"));
    std::string deep = "[" + std::string(2 * kMaxDotsOutsideStrings + 4, 'a');
    for (size_t i = 2; i < deep.size(); i += 2)
        deep[i] = '.';
    EXPECT_TRUE(find_unsafe_toml(deep + "]"));
    EXPECT_EQ(toml_ascii_copy("a = 'f\xc3\xbcr'"), "a = 'f??r'");
}

TEST(BootEntryInput, HostileEntriesGiveAnswers) {
    for (std::string text : {std::string(""), std::string("linux"), std::string("linux \xff\xfe"),
                             std::string("\0\0\0", 3), std::string(70000, 'x'),
                             std::string("linux /a\ninitrd\n"), std::string("efi /x.efi")}) {
        Result<BootEntry> entry = Error{};
        EXPECT_NO_THROW(entry = parse_boot_entry("id\xff", text, "/boot"));
    }
    EXPECT_EQ(compare_versions("6.1.\xff", "6.1.~"), 1);
}

}  // namespace
}  // namespace fastinit
