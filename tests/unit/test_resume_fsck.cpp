// The pure halves of stage 1's hibernation resume (boot/resume.h) and root
// check (boot/root_fsck.h): what the command line asks, and what fsck's
// status means. The sequence's use of them is in test_stage1_sequence.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "boot/resume.h"
#include "boot/root_fsck.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

ResumeDecision decide(const std::string& cmdline) {
    return resume_decision(KernelCmdline::parse(cmdline));
}

TEST(Resume, EverySpellingOfTheKernelIsTaken) {
    for (const char* device : {"/dev/sda2", "UUID=0a1b-2c", "LABEL=swap", "PARTUUID=abc-01",
                               "PARTLABEL=swap", "8:2", "259:11"}) {
        ResumeDecision d = decide(std::string("root=/dev/vda resume=") + device);
        ASSERT_TRUE(d.request) << device;
        EXPECT_EQ(d.request->device, device);
        EXPECT_FALSE(d.request->offset);
        EXPECT_FALSE(d.error);
    }
}

TEST(Resume, NothingWithoutResumeOrWithNoresume) {
    EXPECT_FALSE(decide("root=/dev/vda").request);
    EXPECT_FALSE(decide("root=/dev/vda resume=").request);
    ResumeDecision no = decide("noresume root=/dev/vda resume=/dev/vdb");
    EXPECT_FALSE(no.request);
    EXPECT_EQ(no.skipped, "noresume on the command line");
    EXPECT_FALSE(no.error);
}

TEST(Resume, TheImagesDefaultWhenTheCommandLineNamesNone) {
    KernelCmdline none = KernelCmdline::parse("root=/dev/vda");
    ResumeDecision d = resume_decision(none, "UUID=0a1b");
    ASSERT_TRUE(d.request);
    EXPECT_EQ(d.request->device, "UUID=0a1b");
    EXPECT_EQ(resume_decision(KernelCmdline::parse("resume=8:2"), "UUID=0a1b").request->device,
              "8:2");
    EXPECT_FALSE(resume_decision(KernelCmdline::parse("noresume"), "UUID=0a1b").request);
    // resume= with nothing after it turns the default off, as noresume.
    EXPECT_FALSE(resume_decision(KernelCmdline::parse("resume="), "UUID=0a1b").request);
    EXPECT_FALSE(resume_decision(none, "").request);
}

TEST(Resume, ABadDeviceOrOffsetIsAnErrorAndNoResume) {
    for (const char* bad : {"resume=sda2", "resume=UUID=", "resume=8:", "resume=8:2x",
                            "resume=/dev/vdb resume_offset=", "resume=/dev/vdb resume_offset=-1",
                            "resume=/dev/vdb resume_offset=0x10"}) {
        ResumeDecision d = decide(bad);
        EXPECT_FALSE(d.request) << bad;
        ASSERT_TRUE(d.error) << bad;
        EXPECT_THAT(d.error->message, HasSubstr("not resuming"));
    }
}

TEST(Resume, TheOffsetIsWrittenBeforeTheDevice) {
    ResumeDecision d = decide("resume=/dev/vdb resume_offset=34816");
    ASSERT_TRUE(d.request);
    EXPECT_EQ(d.request->offset, 34816u);
    EXPECT_THAT(resume_writes(*d.request, "254:16"),
                ElementsAre(std::pair<std::string, std::string>{"resume_offset", "34816"},
                            std::pair<std::string, std::string>{"resume", "254:16"}));
    EXPECT_THAT(resume_writes(ResumeRequest{"8:2", std::nullopt}, "8:2"),
                ElementsAre(std::pair<std::string, std::string>{"resume", "8:2"}));
}

TEST(Resume, DeviceNumbers) {
    EXPECT_TRUE(is_device_number("8:2"));
    EXPECT_TRUE(is_device_number("259:0"));
    EXPECT_FALSE(is_device_number("/dev/sda2"));
    EXPECT_FALSE(is_device_number(":2"));
    EXPECT_FALSE(is_device_number("8:"));
    EXPECT_FALSE(is_device_number("a:b"));
    EXPECT_FALSE(is_device_number("0802"));
}

TEST(RootFsck, TheStatusBitsAsFsckDefinesThem) {
    EXPECT_EQ(judge_fsck_status(0), FsckVerdict::clean);
    EXPECT_EQ(judge_fsck_status(1), FsckVerdict::fixed);
    EXPECT_EQ(judge_fsck_status(2), FsckVerdict::reboot);
    EXPECT_EQ(judge_fsck_status(3), FsckVerdict::reboot);
    for (int failed : {4, 5, 6, 7, 8, 12, 16, 32, 128, 255})
        EXPECT_EQ(judge_fsck_status(failed), FsckVerdict::failed) << failed;
    EXPECT_STREQ(to_string(FsckVerdict::fixed), "fixed");
    EXPECT_EQ(describe_fsck_failure(4), "errors left uncorrected (status 4)");
    EXPECT_EQ(describe_fsck_failure(12),
              "errors left uncorrected, an operational error (status 12)");
}

TEST(RootFsck, OptionsAsSystemdSpellsThem) {
    FsckOptions none = fsck_options(KernelCmdline::parse("root=/dev/vda"));
    EXPECT_EQ(none.mode, FsckMode::automatic);
    EXPECT_EQ(none.repair, FsckRepair::preen);
    FsckOptions given = fsck_options(KernelCmdline::parse("fsck.mode=force fsck.repair=yes"));
    EXPECT_EQ(given.mode, FsckMode::force);
    EXPECT_EQ(given.repair, FsckRepair::yes);
    EXPECT_TRUE(given.errors.empty());
    EXPECT_EQ(fsck_options(KernelCmdline::parse("fsck.mode=skip")).mode, FsckMode::skip);
    EXPECT_EQ(fsck_options(KernelCmdline::parse("fsck.repair=no")).repair, FsckRepair::no);
    FsckOptions bad = fsck_options(KernelCmdline::parse("fsck.mode=never fsck.repair=all"));
    EXPECT_EQ(bad.mode, FsckMode::automatic);
    EXPECT_EQ(bad.repair, FsckRepair::preen);
    ASSERT_EQ(bad.errors.size(), 2u);
    EXPECT_THAT(bad.errors[0].message, HasSubstr("fsck.mode=never"));
}

TEST(RootFsck, TheCommand) {
    FsckOptions options;
    EXPECT_THAT(fsck_argv("/sbin/fsck.ext4", "/dev/vda", options),
                ElementsAre("/sbin/fsck.ext4", "-a", "/dev/vda"));
    options.mode = FsckMode::force;
    options.repair = FsckRepair::no;
    EXPECT_THAT(fsck_argv("/sbin/fsck.ext4", "/dev/vda", options),
                ElementsAre("/sbin/fsck.ext4", "-n", "-f", "/dev/vda"));
}

}  // namespace
}  // namespace fastinit
