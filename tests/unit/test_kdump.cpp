// kdump/: the configuration, what `kdump status` says, the crash kernel's
// command line, the dump records, the capture sequence over fake steps, and
// the sparse copy on real files.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/text.h"
#include "base/unique_fd.h"
#include "kdump/capture.h"
#include "kdump/dump_record.h"
#include "kdump/kdump_config.h"
#include "kdump/kdump_state.h"
#include "kdump/sparse_copy.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---- kdump.toml -----------------------------------------------------------------

TEST(KdumpConfig, NoKeysMeansTheDefaults) {
    auto config = parse_kdump_config("", "kdump.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->append, "irqpoll nr_cpus=1 reset_devices");
    EXPECT_EQ(config->target, "/var/crash");
    EXPECT_EQ(config->dump_level, 31);
    EXPECT_EQ(config->compress, KdumpCompression::lzo);
    EXPECT_EQ(config->action, KdumpAction::reboot);
    EXPECT_EQ(config->timeout, std::chrono::minutes(10));
    EXPECT_FALSE(config->kernel);
}

TEST(KdumpConfig, EveryKeyIsRead) {
    auto config = parse_kdump_config(
        "kernel = \"/boot/vmlinuz-x\"\ninitrd = [\"/boot/a\", \"/boot/b\"]\n"
        "cmdline = \"root=/dev/vda1\"\nappend = \"\"\ntarget = \"/srv/dumps\"\n"
        "dump_level = 1\ncompress = \"none\"\naction = \"shell\"\ntimeout = \"90s\"\n",
        "kdump.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(*config->kernel, "/boot/vmlinuz-x");
    EXPECT_THAT(config->initrds, ElementsAre("/boot/a", "/boot/b"));
    EXPECT_EQ(*config->cmdline, "root=/dev/vda1");
    EXPECT_EQ(config->append, "");
    EXPECT_EQ(config->target, "/srv/dumps");
    EXPECT_EQ(config->dump_level, 1);
    EXPECT_EQ(config->compress, KdumpCompression::none);
    EXPECT_EQ(config->action, KdumpAction::shell);
    EXPECT_EQ(config->timeout, std::chrono::seconds(90));
}

TEST(KdumpConfig, MistakesNameFileLineAndKey) {
    auto typo = parse_kdump_config("\ndump_lvl = 3\n", "/etc/fastinit/kdump.toml");
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().message,
              "/etc/fastinit/kdump.toml:2:1: dump_lvl: unknown key (did you mean \"dump_level\"?)");
    auto level = parse_kdump_config("dump_level = 32\n", "k.toml");
    ASSERT_FALSE(level);
    EXPECT_THAT(level.error().message,
                HasSubstr("k.toml:1:14: dump_level: must be a whole number"));
    auto action = parse_kdump_config("action = \"halt\"\n", "k.toml");
    ASSERT_FALSE(action);
    EXPECT_THAT(action.error().message,
                HasSubstr("action: \"halt\" is not one of reboot, poweroff, shell"));
    EXPECT_FALSE(parse_kdump_config("target = \"var/crash\"\n", "k.toml"));
    EXPECT_FALSE(parse_kdump_config("timeout = \"0s\"\n", "k.toml"));
    EXPECT_FALSE(parse_kdump_config("timeout = \"48h\"\n", "k.toml"));
    auto orphan = parse_kdump_config("initrd = \"/boot/i\"\n", "k.toml");
    ASSERT_FALSE(orphan);
    EXPECT_THAT(orphan.error().message, HasSubstr("needs a kernel"));
}

TEST(KdumpConfig, AMissingFileIsTheDefaults) {
    TempTree tree;
    auto config = load_kdump_config(tree.path("kdump.toml").string());
    ASSERT_TRUE(config);
    EXPECT_EQ(config->target, "/var/crash");
}

// ---- status ---------------------------------------------------------------------

TEST(KdumpStatus, NoReservationSaysWhatToAdd) {
    KdumpStatus status = describe_kdump({0, false, "root=/dev/vda1 ro quiet"});
    EXPECT_FALSE(status.armed);
    ASSERT_EQ(status.lines.size(), 1u);
    EXPECT_THAT(status.lines[0], HasSubstr("add crashkernel=256M"));
    EXPECT_THAT(status.lines[0], HasSubstr("GRUB_CMDLINE_LINUX"));
}

TEST(KdumpStatus, AReservationThatFailedIsToldApart) {
    KdumpStatus status = describe_kdump({0, false, "root=/dev/vda1 crashkernel=4G"});
    EXPECT_THAT(status.lines[0], HasSubstr("could not reserve it"));
}

TEST(KdumpStatus, ReservedButNotLoadedOrArmed) {
    KdumpStatus reserved = describe_kdump({256ull << 20, false, "crashkernel=256M"});
    EXPECT_FALSE(reserved.armed);
    EXPECT_THAT(reserved.lines,
                ElementsAre("256 MiB reserved for a crash kernel",
                            "no crash kernel is loaded: run `fastinit kdump load`"));
    KdumpStatus armed = describe_kdump({256ull << 20, true, "crashkernel=256M"});
    EXPECT_TRUE(armed.armed);
    KdumpStatus no_kexec = describe_kdump({std::nullopt, std::nullopt, ""});
    EXPECT_FALSE(no_kexec.armed);
    EXPECT_THAT(no_kexec.lines[0], HasSubstr("cannot keep a crash kernel"));
}

TEST(KdumpCmdline, DropsCrashkernelAndOneShotsAddsTheCaptureWords) {
    EXPECT_EQ(crash_cmdline("BOOT_IMAGE=/vmlinuz root=UUID=1 ro crashkernel=256M quiet "
                            "fastinit.reprobe fastinit.kdump\n",
                            "irqpoll nr_cpus=1"),
              "root=UUID=1 ro quiet irqpoll nr_cpus=1 fastinit.kdump");
    // Init's own arguments stay after "--".
    EXPECT_EQ(crash_cmdline("root=/dev/vda -- single", ""),
              "root=/dev/vda fastinit.kdump -- single");
}

// ---- records --------------------------------------------------------------------

TEST(DumpRecord, WritesAndReadsBack) {
    DumpRecord record;
    record.captured_at = 1796000000;
    record.kernel = "6.1.0-57-amd64";
    record.method = "makedumpfile -l -d 31";
    record.vmcore = "vmcore";
    record.vmcore_bytes = 123456;
    record.dmesg = "dmesg.txt";
    record.seconds = 12.5;
    record.problems = {"a problem"};
    auto back = parse_dump_record(dump_record_text(record));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->captured_at, record.captured_at);
    EXPECT_EQ(back->kernel, record.kernel);
    EXPECT_EQ(back->vmcore_bytes, record.vmcore_bytes);
    EXPECT_EQ(back->dmesg, "dmesg.txt");
    EXPECT_DOUBLE_EQ(back->seconds, 12.5);
    EXPECT_THAT(back->problems, ElementsAre("a problem"));
    EXPECT_EQ(dump_directory_name(1796000000), "20261130-005320");
}

TEST(DumpRecord, HostileRecordsAreErrorsOrCleaned) {
    EXPECT_FALSE(parse_dump_record("not json"));
    EXPECT_FALSE(parse_dump_record("[1]"));
    EXPECT_FALSE(parse_dump_record("{\"kernel\": \"x\"}"));
    EXPECT_FALSE(parse_dump_record(std::string(70000, ' ')));
    EXPECT_FALSE(parse_dump_record("{\"captured_at\": 1, \"kernel\": \"a\xff\"}"));
    // Values of the wrong type are left out, not trusted.
    auto odd = parse_dump_record(
        "{\"captured_at\": 1, \"kernel\": 5, \"seconds\": \"x\", \"problems\": [1, \"p\"]}");
    ASSERT_TRUE(odd);
    EXPECT_EQ(odd->kernel, "");
    EXPECT_EQ(odd->seconds, 0);
    EXPECT_THAT(odd->problems, ElementsAre("p"));
}

TEST(DumpRecord, ListsDumpsOldestFirstAndSaysWhichDidNotFinish) {
    TempTree tree;
    DumpRecord record;
    record.captured_at = 1796000000;
    record.kernel = "6.1.0-57-amd64";
    record.vmcore = "vmcore";
    record.method = "copy of /proc/vmcore";
    tree.write("20261130-005320/" + std::string(kDumpRecordName), dump_record_text(record));
    tree.write("20261129-000000/vmcore.incomplete", "x");
    tree.write("20261201-000000/" + std::string(kDumpRecordName), "{garbage");
    tree.write("lost+found/x", "");
    auto dumps = list_dumps(tree.root().string());
    ASSERT_EQ(dumps.size(), 3u);
    EXPECT_THAT(dumps[0].problem, HasSubstr("did not finish"));
    ASSERT_TRUE(dumps[1].record);
    EXPECT_EQ(dumps[1].record->kernel, "6.1.0-57-amd64");
    EXPECT_THAT(dumps[2].problem, HasSubstr("unreadable record"));
    std::string table = format_dumps(dumps);
    EXPECT_THAT(table, HasSubstr("captured 2026-11-30 00:53:20 UTC by 6.1.0-57-amd64"));
    EXPECT_THAT(table, HasSubstr("dmesg:   not saved"));
    EXPECT_TRUE(list_dumps(tree.path("nowhere").string()).empty());
}

// ---- the capture ----------------------------------------------------------------

class FakeCaptureOps : public CaptureOps {
  public:
    std::set<std::string> executables;
    std::map<std::string, Result<void>> run_results;  // by program
    Result<uint64_t> copied = uint64_t{1000};
    bool directory_fails = false;
    std::vector<std::string> steps;
    std::map<std::string, std::string> files;

    long long epoch_seconds() override { return 1796000000; }
    long long now_us() override { return m_clock += 500000; }
    std::string kernel_release() override { return "6.1.0-57-amd64"; }
    Result<void> make_new_directory(const std::string& path) override {
        steps.push_back("mkdir " + path);
        if (directory_fails)
            return Error{"Read-only file system", EROFS};
        if (!m_dirs.insert(path).second)
            return Error{"exists", EEXIST};
        return {};
    }
    bool is_executable(const std::string& path) override { return executables.contains(path); }
    Result<void> run(const std::vector<std::string>& argv, const std::string& out) override {
        std::string line = "run";
        for (const std::string& a : argv)
            line += " " + a;
        steps.push_back(line + (out.empty() ? "" : " > " + out));
        auto found = run_results.find(argv[0] + (argv[1] == "--dump-dmesg" ? " dmesg" : ""));
        return found == run_results.end() ? Result<void>{} : found->second;
    }
    Result<uint64_t> copy_sparse(const std::string& from, const std::string& to) override {
        steps.push_back("copy " + from + " " + to);
        return copied;
    }
    Result<uint64_t> file_size(const std::string&) override { return uint64_t{4096}; }
    Result<void> rename(const std::string& from, const std::string& to) override {
        steps.push_back("rename " + from + " " + to);
        return {};
    }
    Result<void> remove(const std::string& path) override {
        steps.push_back("remove " + path);
        return {};
    }
    Result<void> write_file(const std::string& path, const std::string& text) override {
        steps.push_back("write " + path);
        files[path] = text;
        return {};
    }
    void sync() override { steps.push_back("sync"); }

    std::set<std::string> m_dirs;

  private:
    long long m_clock = 0;
};

const std::string kDir = "/root/var/crash/20261130-005320";

TEST(Capture, MakedumpfileSavesTheDumpThenTheLogThenTheRecord) {
    FakeCaptureOps ops;
    ops.executables = {"/usr/bin/makedumpfile"};
    CaptureResult result = capture_dump(ops, KdumpConfig{}, "/root");
    EXPECT_TRUE(result.record_written);
    EXPECT_EQ(result.directory, kDir);
    EXPECT_THAT(
        ops.steps,
        ElementsAre(
            "mkdir " + kDir,
            "run /usr/bin/makedumpfile -l -d 31 /proc/vmcore " + kDir + "/vmcore.incomplete",
            "rename " + kDir + "/vmcore.incomplete " + kDir + "/vmcore", "sync",
            "run /usr/bin/makedumpfile --dump-dmesg /proc/vmcore " + kDir + "/dmesg.txt",
            "write " + kDir + "/fastinit-dump.json", "sync"));
    EXPECT_EQ(result.record.method, "makedumpfile -l -d 31");
    EXPECT_EQ(result.record.vmcore, "vmcore");
    EXPECT_EQ(result.record.vmcore_bytes, 4096u);
    EXPECT_EQ(result.record.dmesg, "dmesg.txt");
    EXPECT_THAT(result.record.problems, IsEmpty());
    auto written = parse_dump_record(ops.files[kDir + "/fastinit-dump.json"]);
    ASSERT_TRUE(written);
    EXPECT_GT(written->seconds, 0);
}

TEST(Capture, WithoutMakedumpfileACopyAndKexecToolsLogReader) {
    FakeCaptureOps ops;
    ops.executables = {"/usr/sbin/vmcore-dmesg"};
    CaptureResult result = capture_dump(ops, KdumpConfig{}, "");
    EXPECT_EQ(result.record.method, "copy of /proc/vmcore");
    EXPECT_THAT(ops.steps, testing::Contains("run /usr/sbin/vmcore-dmesg /proc/vmcore > "
                                             "/var/crash/20261130-005320/dmesg.txt"));
    EXPECT_EQ(result.record.dmesg, "dmesg.txt");
    EXPECT_THAT(result.record.problems, ElementsAre(HasSubstr("mkinitramfs --kdump adds it")));
}

TEST(Capture, AFailedMakedumpfileFallsBackToACopyAndEachFailureIsRecorded) {
    FakeCaptureOps ops;
    ops.executables = {"/usr/bin/makedumpfile"};
    ops.run_results["/usr/bin/makedumpfile"] = Error{"exited with status 1", EIO};
    ops.run_results["/usr/bin/makedumpfile dmesg"] = Error{"exited with status 2", EIO};
    KdumpConfig config;
    config.compress = KdumpCompression::zlib;
    config.dump_level = 1;
    CaptureResult result = capture_dump(ops, config, "");
    EXPECT_THAT(ops.steps[1], HasSubstr("makedumpfile -c -d 1 "));
    EXPECT_EQ(result.record.method, "copy of /proc/vmcore");
    EXPECT_EQ(result.record.vmcore, "vmcore");
    EXPECT_EQ(result.record.dmesg, "");
    EXPECT_THAT(result.record.problems,
                ElementsAre(HasSubstr("makedumpfile failed (exited with status 1)"),
                            HasSubstr("log was not saved: exited with status 2")));
    EXPECT_TRUE(result.record_written);
}

TEST(Capture, NothingSavedIsSaidAndASecondCaptureInTheSameSecondGetsItsOwnDirectory) {
    FakeCaptureOps ops;
    ops.copied = Error{"Input/output error", EIO};
    ops.m_dirs.insert("/var/crash/20261130-005320");
    CaptureResult result = capture_dump(ops, KdumpConfig{}, "");
    EXPECT_EQ(result.directory, "/var/crash/20261130-005320-1");
    EXPECT_EQ(result.record.vmcore, "");
    EXPECT_THAT(result.record.problems, testing::Contains(HasSubstr("cannot copy /proc/vmcore")));
    // What a full disk left of the copy goes, so the log and the record fit.
    EXPECT_THAT(ops.steps,
                testing::Contains("remove /var/crash/20261130-005320-1/vmcore.incomplete"));
    EXPECT_TRUE(result.record_written);

    FakeCaptureOps read_only;
    read_only.directory_fails = true;
    CaptureResult none = capture_dump(read_only, KdumpConfig{}, "");
    EXPECT_FALSE(none.record_written);
    EXPECT_EQ(none.directory, "");
    EXPECT_THAT(none.record.problems, ElementsAre(HasSubstr("Read-only file system")));
}

// ---- the sparse copy ------------------------------------------------------------

TEST(SparseCopy, CopiesEveryByteAndLeavesZerosAsHoles) {
    TempTree tree;
    std::string data = "head" + std::string(8 << 20, '\0') + "tail" + std::string(10000, '\0');
    auto from = tree.write("vmcore", data);
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    std::string to = tree.path("copy").string();
    UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    auto copied = copy_leaving_holes(in.get(), out.get());
    ASSERT_TRUE(copied) << copied.error().message;
    EXPECT_EQ(*copied, data.size());
    EXPECT_EQ(*read_file(to), data);
    struct stat st;
    ASSERT_EQ(::stat(to.c_str(), &st), 0);
    EXPECT_EQ(static_cast<size_t>(st.st_size), data.size());
    // Two 4 KiB blocks hold data; the rest is holes (generous: filesystems
    // allocate in their own units).
    EXPECT_LT(static_cast<long long>(st.st_blocks) * 512, 1 << 20);
}

}  // namespace
}  // namespace fastinit
