// kexec/staged_record: the record of a staged kernel round-trips, and any
// change in what would be loaded — or any doubt about what is staged — means
// loading again, with the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>

#include "base/text.h"
#include "kexec/staged_record.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;

class StagedRecordTest : public ::testing::Test {
  protected:
    StagedRecordTest() {
        choice.kernel = tree.write("boot/vmlinuz", "KERNEL");
        choice.initrds = {tree.write("boot/ucode.img", "UCODE"),
                          tree.write("boot/initrd.img", "INITRD")};
        record_path = tree.path("run/fastinit/kexec-staged.json").string();
    }

    StagedRecord make(const std::string& cmdline = "root=/dev/vda1 ro quiet",
                      std::string_view appended = "CPIO") {
        auto record = make_staged_record(choice, cmdline, appended);
        EXPECT_TRUE(record) << record.error().message;
        return record ? *record : StagedRecord{};
    }

    // The verdict with a kernel loaded and `staged` recorded, when `wanted`
    // is what would be loaded now.
    StagedVerdict judge(const StagedRecord& staged, const StagedRecord& wanted) {
        return judge_staged(true, staged, wanted);
    }

    // Pushes a file's mtime back a minute: same size, same inode.
    void age(const std::filesystem::path& path) {
        std::filesystem::last_write_time(
            path, std::filesystem::last_write_time(path) - std::chrono::minutes(1));
    }

    TempTree tree;
    KernelChoice choice;
    std::string record_path;
};

TEST_F(StagedRecordTest, RoundTripsThroughTheFile) {
    StagedRecord record = make();
    EXPECT_EQ(record.kernel.path, choice.kernel.string());
    EXPECT_EQ(record.kernel.size, 6);
    ASSERT_EQ(record.initrds.size(), 2u);
    EXPECT_EQ(record.initrds[1].path, choice.initrds[1].string());
    EXPECT_THAT(record.device_cache, HasSubstr("fnv1a64:"));

    // The directory is created: in companion mode nothing else makes it.
    ASSERT_TRUE(write_staged_record(record_path, record));
    auto read = read_staged_record(record_path);
    ASSERT_TRUE(read) << read.error().message;
    EXPECT_EQ(*read, record);
    EXPECT_TRUE(judge(*read, make()).reuse);

    StagedRecord bare = make("", "");
    bare.initrds.clear();
    EXPECT_EQ(bare.device_cache, "none");
    ASSERT_TRUE(write_staged_record(record_path, bare));
    auto read_bare = read_staged_record(record_path);
    ASSERT_TRUE(read_bare) << read_bare.error().message;
    EXPECT_EQ(*read_bare, bare);
}

TEST_F(StagedRecordTest, AnUnchangedStagingIsReused) {
    StagedVerdict verdict = judge(make(), make());
    EXPECT_TRUE(verdict.reuse);
    EXPECT_TRUE(verdict.had_record);
}

TEST_F(StagedRecordTest, AChangedKernelMeansReload) {
    StagedRecord staged = make();

    tree.write("boot/vmlinuz", "KERNEL, rebuilt");  // size
    StagedVerdict verdict = judge(staged, make());
    EXPECT_FALSE(verdict.reuse);
    EXPECT_TRUE(verdict.had_record);
    EXPECT_EQ(verdict.reason, "the kernel changed");

    staged = make();
    age(choice.kernel);  // same size and inode, another mtime
    EXPECT_EQ(judge(staged, make()).reason, "the kernel changed");

    staged = make();
    // Replaced by rename, as package managers do: same size, maybe the same
    // mtime, another inode.
    std::filesystem::path fresh = tree.write("boot/vmlinuz.new", "KERNEL");
    std::filesystem::last_write_time(fresh, std::filesystem::last_write_time(choice.kernel));
    std::filesystem::rename(fresh, choice.kernel);
    EXPECT_EQ(judge(staged, make()).reason, "the kernel changed");

    staged = make();
    choice.kernel = tree.write("boot/vmlinuz-other", "KERNEL");  // another file chosen
    EXPECT_EQ(judge(staged, make()).reason, "the kernel changed");
}

TEST_F(StagedRecordTest, AChangedInitrdMeansReload) {
    StagedRecord staged = make();
    age(choice.initrds[1]);
    EXPECT_EQ(judge(staged, make()).reason, "the initrd changed");

    staged = make();
    choice.initrds.pop_back();
    EXPECT_EQ(judge(staged, make()).reason, "the initrd changed");
}

TEST_F(StagedRecordTest, AChangedCommandLineMeansReload) {
    StagedVerdict verdict = judge(make("root=/dev/vda1 ro"), make("root=/dev/vda1 ro debug"));
    EXPECT_FALSE(verdict.reuse);
    EXPECT_EQ(verdict.reason, "the command line changed");
}

TEST_F(StagedRecordTest, AChangedDeviceCacheMeansReload) {
    std::string cmdline = "root=/dev/vda1";
    EXPECT_EQ(judge(make(cmdline, "CPIO one"), make(cmdline, "CPIO two")).reason,
              "the device cache changed");
    EXPECT_EQ(judge(make(cmdline, ""), make(cmdline, "CPIO")).reason, "the device cache changed");
    EXPECT_EQ(judge(make(cmdline, "CPIO"), make(cmdline, "")).reason, "the device cache changed");
}

TEST_F(StagedRecordTest, NoRecordMeansLoadWithNothingToSay) {
    auto missing = read_staged_record(record_path);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().errno_value, ENOENT);
    StagedVerdict verdict = judge_staged(true, missing, make());
    EXPECT_FALSE(verdict.reuse);
    EXPECT_FALSE(verdict.had_record);
}

TEST_F(StagedRecordTest, AGarbageRecordMeansReload) {
    for (std::string text :
         {"", "not json", "[1, 2]", "{\"version\": 1}", "{\"version\": 99, \"cmdline\": \"x\"}",
          "{\"version\": 1, \"kernel\": \"/boot/vmlinuz\", \"initrds\": [], \"cmdline\": \"\", "
          "\"device_cache\": \"none\"}"}) {
        tree.write("run/fastinit/kexec-staged.json", text);
        auto garbage = read_staged_record(record_path);
        ASSERT_FALSE(garbage) << text;
        EXPECT_NE(garbage.error().errno_value, ENOENT) << text;
        StagedVerdict verdict = judge_staged(true, garbage, make());
        EXPECT_FALSE(verdict.reuse) << text;
        EXPECT_TRUE(verdict.had_record) << text;
        EXPECT_THAT(verdict.reason, HasSubstr("unreadable")) << text;
    }
}

TEST_F(StagedRecordTest, ARecordWithoutALoadedKernelIsIgnored) {
    StagedVerdict verdict = judge_staged(false, make(), make());
    EXPECT_FALSE(verdict.reuse);
    EXPECT_EQ(verdict.reason, "no kernel is staged any more");

    StagedVerdict unknown = judge_staged(Error{"no sysfs"}, make(), make());
    EXPECT_FALSE(unknown.reuse);
    EXPECT_THAT(unknown.reason, HasSubstr("no sysfs"));
}

TEST_F(StagedRecordTest, WhatCannotBeIdentifiedIsNotReused) {
    StagedRecord staged = make();
    std::filesystem::remove(choice.initrds[0]);
    auto wanted = make_staged_record(choice, "root=/dev/vda1 ro quiet", "CPIO");
    ASSERT_FALSE(wanted);
    EXPECT_THAT(wanted.error().message, HasSubstr("ucode.img"));
    EXPECT_FALSE(judge_staged(true, staged, wanted).reuse);
}

TEST_F(StagedRecordTest, RemovingIsQuietWhenNothingIsThere) {
    ASSERT_TRUE(write_staged_record(record_path, make()));
    EXPECT_TRUE(remove_staged_record(record_path));
    EXPECT_FALSE(std::filesystem::exists(record_path));
    EXPECT_TRUE(remove_staged_record(record_path));
}

}  // namespace
}  // namespace fastinit
