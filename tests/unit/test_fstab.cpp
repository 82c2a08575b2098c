// The fstab parser on good and hostile lines: what is kept, what is skipped
// with file:line, and that one bad line never costs the others.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "initd/unit/fstab.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(Fstab, ParsesFieldsCommentsAndOptionalNumbers) {
    FstabParse p = parse_fstab(
        "# comment\n"
        "\n"
        "   # indented comment\n"
        "UUID=1234 / ext4 errors=remount-ro 0 1\n"
        "LABEL=data\t/data\txfs\tdefaults,nofail\n"
        "/dev/vda3 none swap sw,pri=5 0 0\n",
        "/etc/fstab");
    EXPECT_THAT(p.diagnostics, SizeIs(0));
    ASSERT_THAT(p.entries, SizeIs(3));
    EXPECT_EQ(p.entries[0].spec, "UUID=1234");
    EXPECT_EQ(p.entries[0].mount_point, "/");
    EXPECT_EQ(p.entries[0].type, "ext4");
    EXPECT_EQ(p.entries[0].pass, 1);
    EXPECT_EQ(p.entries[0].line, 4);
    EXPECT_EQ(p.entries[1].pass, 0);  // missing freq and pass mean 0
    EXPECT_TRUE(p.entries[1].has_option("nofail"));
    EXPECT_FALSE(p.entries[1].has_option("nofai"));
    EXPECT_TRUE(p.entries[2].is_swap());
    EXPECT_EQ(p.entries[2].option_value("pri"), "5");
}

TEST(Fstab, DecodesOctalEscapes) {
    FstabParse p = parse_fstab("tmpfs /mnt/my\\040disk\\134x tmpfs defaults 0 0\n", "f");
    ASSERT_THAT(p.entries, SizeIs(1));
    EXPECT_EQ(p.entries[0].mount_point, "/mnt/my disk\\x");
}

TEST(Fstab, HostileLinesAreSkippedWithFileAndLineAndTheRestIsKept) {
    std::string text =
        "/dev/a /a ext4 defaults 0 0\n"         // 1 good
        "/dev/b /b\\x20 ext4 defaults 0 0\n"    // 2 unknown escape
        "only three fields\n"                   // 3
        "a b c d e f g\n"                       // 4 too many
        "bad\xff /x ext4 defaults 0 0\n"        // 5 not UTF-8
        "/dev/c relative ext4 defaults 0 0\n"   // 6 not absolute
        "/dev/d /d/../etc ext4 defaults 0 0\n"  // 7 ..
        "-o /e ext4 defaults 0 0\n"             // 8 option-like spec
        "/dev/f /f ext;4 defaults 0 0\n"        // 9 bad type
        "/dev/g /g ext4 defaults 0 x\n"         // 10 bad pass
        "/dev/h /h\\012x ext4 defaults 0 0\n"   // 11 newline in a path
        "/dev/i /i ext4 -x 0 0\n"               // 12 option-like options
        + std::string(5000, 'a') +
        " /j ext4 defaults\n"             // 13 too long
        "/dev/k /k ext4 defaults 0 2\n";  // 14 good
    FstabParse p = parse_fstab(text, "/etc/fstab");
    ASSERT_THAT(p.entries, SizeIs(2));
    EXPECT_EQ(p.entries[0].mount_point, "/a");
    EXPECT_EQ(p.entries[1].mount_point, "/k");
    ASSERT_THAT(p.diagnostics, SizeIs(12));
    for (size_t i = 0; i < p.diagnostics.size(); ++i) {
        EXPECT_EQ(p.diagnostics[i].line, static_cast<int>(i) + 2);
        EXPECT_EQ(p.diagnostics[i].severity, Diagnostic::Severity::error);
        EXPECT_THAT(p.diagnostics[i].to_string(), HasSubstr("/etc/fstab:" + std::to_string(i + 2)));
        EXPECT_THAT(p.diagnostics[i].message, HasSubstr("line skipped"));
    }
    EXPECT_THAT(p.diagnostics[0].message, HasSubstr("unknown escape"));
    EXPECT_THAT(p.diagnostics[3].message, HasSubstr("UTF-8"));
    EXPECT_THAT(p.diagnostics[11].message, HasSubstr("longer than 4096"));
}

TEST(Fstab, UnknownXOptionsAreWarningsAndTheLineIsKept) {
    // x-systemd.device-timeout is known (the units' device_timeout).
    FstabParse p = parse_fstab(
        "/dev/a /a ext4 defaults,x-systemd.device-timeout=5s,x-gvfs-show,x-systemd.automount 0 0\n",
        "f");
    ASSERT_THAT(p.entries, SizeIs(1));
    EXPECT_EQ(p.entries[0].device_timeout(), std::chrono::seconds(5));
    ASSERT_THAT(p.diagnostics, SizeIs(2));
    EXPECT_EQ(p.diagnostics[0].severity, Diagnostic::Severity::warning);
    EXPECT_EQ(p.diagnostics[0].line, 1);
    EXPECT_THAT(p.diagnostics[0].message, HasSubstr("\"x-gvfs-show\""));
    EXPECT_THAT(p.diagnostics[1].message, HasSubstr("\"x-systemd.automount\""));
}

TEST(Fstab, CrlfAndSwapPlaceholdersAreAccepted) {
    FstabParse p = parse_fstab("/dev/a swap swap defaults 0 0\r\n/dev/b none swap sw\r\n", "f");
    EXPECT_THAT(p.diagnostics, SizeIs(0));
    EXPECT_THAT(p.entries, SizeIs(2));
    // "none" is a place only for swap.
    FstabParse q = parse_fstab("/dev/a none ext4 defaults\n", "f");
    EXPECT_THAT(q.entries, SizeIs(0));
    EXPECT_THAT(q.diagnostics, SizeIs(1));
}

TEST(Fstab, EntriesAreCapped) {
    std::string text;
    for (size_t i = 0; i < kMaxFstabEntries + 3; ++i)
        text += "/dev/x /m" + std::to_string(i) + " ext4 defaults\n";
    FstabParse p = parse_fstab(text, "f");
    EXPECT_THAT(p.entries, SizeIs(kMaxFstabEntries));
    EXPECT_THAT(p.diagnostics, SizeIs(3));
}

}  // namespace
}  // namespace fastinit
