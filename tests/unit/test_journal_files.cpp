// The persistent journal: its files' names and format, rotation and boot
// selection (pure), and the writer thread on a temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "initd/run/journal.h"
#include "initd/run/journal_files.h"
#include "initd/run/journal_writer.h"

namespace fastinit {
namespace {

namespace fs = std::filesystem;

std::vector<JournalFileName> names(std::vector<std::string> list) {
    return journal_files_among(list);
}

TEST(JournalFileName, RoundTripsAndRefusesOtherNames) {
    EXPECT_EQ(format_journal_file_name({12, 3}), "12-3.log");
    auto parsed = parse_journal_file_name("12-3.log");
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->boot, 12u);
    EXPECT_EQ(parsed->part, 3u);
    for (const char* other : {"012-3.log", "12-03.log", "0-1.log", "1-0.log", "12-3.log~", "12.log",
                              "-1.log", "a-1.log", "1-1.txt", "1-1", ".log", "1--1.log",
                              "99999999999999999999-1.log", "1000000000001-1.log", "1-2-3.log"})
        EXPECT_FALSE(parse_journal_file_name(other)) << other;
}

TEST(JournalFileName, SortsOldestFirstAndIgnoresStrangers) {
    auto files = names({"10-1.log", "9-2.log", "notes.txt", "9-10.log", "9-1.log", "x-1.log"});
    ASSERT_EQ(files.size(), 4u);
    EXPECT_EQ(files[0], (JournalFileName{9, 1}));
    EXPECT_EQ(files[1], (JournalFileName{9, 2}));
    EXPECT_EQ(files[2], (JournalFileName{9, 10}));
    EXPECT_EQ(files[3], (JournalFileName{10, 1}));
    EXPECT_EQ(next_journal_boot(files), 11u);
    EXPECT_EQ(next_journal_boot({}), 1u);
}

TEST(JournalRotation, RemovesTheOldestSoThatOneMoreFits) {
    auto files = names({"1-1.log", "1-2.log", "2-1.log", "2-2.log"});
    EXPECT_TRUE(journal_files_to_remove(files, 5).empty());
    auto gone = journal_files_to_remove(files, 4);
    ASSERT_EQ(gone.size(), 1u);
    EXPECT_EQ(gone[0], (JournalFileName{1, 1}));
    gone = journal_files_to_remove(files, 2);
    ASSERT_EQ(gone.size(), 3u);
    EXPECT_EQ(gone[2], (JournalFileName{2, 1}));
}

TEST(JournalBootSelection, CountsBackFromTheRunningBoot) {
    auto files = names({"3-1.log", "3-2.log", "5-1.log", "7-1.log", "7-2.log"});
    // Boot 7 runs and writes: the boot before is 5, two before is 3.
    EXPECT_EQ(select_journal_boot(files, 7, 1), 5u);
    EXPECT_EQ(select_journal_boot(files, 7, 2), 3u);
    EXPECT_FALSE(select_journal_boot(files, 7, 3));
    // The running boot writes none (yet): the newest with files is before.
    EXPECT_EQ(select_journal_boot(files, 0, 1), 7u);
    EXPECT_EQ(select_journal_boot(files, 0, 3), 3u);
    EXPECT_FALSE(select_journal_boot(files, 0, 0));
    EXPECT_FALSE(select_journal_boot({}, 0, 1));
}

TEST(JournalRecord, RoundTripsOneLineEach) {
    JournalLine line;
    line.unit = "web";
    line.pid = 812;
    line.priority = 3;
    line.realtime_us = 1796581301729945;
    line.boottime_us = 66386644096;
    line.text = "two  spaces\nand a newline\x1b[31m";
    std::string record = format_journal_record(line);
    EXPECT_EQ(record.find('\n'), record.size() - 1);
    auto content = parse_journal_file(std::string(kJournalFileHeader) + record);
    ASSERT_TRUE(content);
    ASSERT_EQ(content->lines.size(), 1u);
    const JournalLine& back = content->lines[0];
    EXPECT_EQ(back.unit, "web");
    EXPECT_EQ(back.pid, 812);
    EXPECT_EQ(back.priority, 3);
    EXPECT_EQ(back.realtime_us, line.realtime_us);
    EXPECT_EQ(back.boottime_us, line.boottime_us);
    EXPECT_EQ(back.text, "two  spaces\\x0aand a newline\\x1b[31m");
    EXPECT_EQ(content->damaged, 0u);
}

TEST(JournalRecord, DamagedFilesAreErrorsOrCountedNeverTrusted) {
    EXPECT_FALSE(parse_journal_file(""));
    EXPECT_FALSE(parse_journal_file("garbage\n1 2 6 3 u text\n"));
    std::string text = std::string(kJournalFileHeader) +
                       "1 2 6 3 good text\n"
                       "1 2 9 3 badpriority text\n"
                       "x 2 6 3 u text\n"
                       "1 2 6 -4 u negative pid\n"
                       "1 2 6 3\n"
                       "\n"
                       "5 6 4 7 late \x1b[2J\xff\n"
                       "1 2 6 3 cut off";
    auto content = parse_journal_file(text);
    ASSERT_TRUE(content);
    ASSERT_EQ(content->lines.size(), 2u);
    EXPECT_EQ(content->lines[0].text, "text");
    // Escape bytes from the file are shown, not obeyed; bad UTF-8 replaced.
    EXPECT_EQ(content->lines[1].text, "\\x1b[2J\xef\xbf\xbd");
    EXPECT_EQ(content->damaged, 6u);
    EXPECT_EQ(content->first_damaged, 3u);
}

// ---- the writer on a real directory ----------------------------------------

class JournalWriterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/fastinit-journal-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_root = pattern;
        ::chmod(m_root.c_str(), 0755);
        m_dir = m_root + "/log";
    }
    void TearDown() override { fs::remove_all(m_root); }

    JournalWriterOptions options(uint64_t file_size, uint64_t files) {
        return {m_dir, file_size, files, m_root + "/journal-boot"};
    }
    std::vector<JournalFileName> files() const {
        auto listed = list_journal_files(m_dir);
        return listed ? *listed : std::vector<JournalFileName>{};
    }
    std::vector<JournalLine> lines_of(uint64_t boot) const {
        std::vector<JournalLine> out;
        for (const auto& f : files()) {
            if (f.boot != boot)
                continue;
            std::ifstream in(m_dir + "/" + format_journal_file_name(f));
            std::stringstream text;
            text << in.rdbuf();
            auto content = parse_journal_file(text.str());
            EXPECT_TRUE(content);
            if (content)
                out.insert(out.end(), content->lines.begin(), content->lines.end());
        }
        return out;
    }

    // One boot that writes one line, in files of 64 KiB, at most 2.
    JournalWriterStats write_one_line() {
        Journal journal;
        JournalWriter writer(journal, options(64 << 10, 2));
        journal.append("web", 7, kPriorityInfo, "hello", 1, 2);
        writer.start();
        writer.finish(std::chrono::seconds(5));
        return writer.stats();
    }

    std::string m_root, m_dir;
};

TEST_F(JournalWriterTest, EachBootWritesItsOwnFilesAndFlushesAtFinish) {
    for (int boot = 1; boot <= 2; ++boot) {
        Journal journal;
        JournalWriter writer(journal, options(64 << 10, 4));
        journal.append("web", 7, kPriorityInfo, "boot " + std::to_string(boot), 1, 2);
        writer.start();
        journal.append("web", 7, kPriorityInfo, "last words", 3, 4);
        writer.finish(std::chrono::seconds(5));
        EXPECT_EQ(writer.stats().boot, static_cast<uint64_t>(boot));
        EXPECT_EQ(writer.stats().written, 2u);
        EXPECT_EQ(writer.stats().unwritten, 0u);
    }
    auto first = lines_of(1), second = lines_of(2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].text, "boot 1");
    EXPECT_EQ(first[1].text, "last words");
    ASSERT_EQ(second.size(), 2u);
    EXPECT_EQ(second[0].text, "boot 2");
    std::ifstream boot_file(m_root + "/journal-boot");
    std::string number;
    boot_file >> number;
    EXPECT_EQ(number, "2");
}

TEST_F(JournalWriterTest, RotationKeepsTheFilesAndTheirSizeWithinTheCap) {
    const uint64_t file_size = 64 << 10, max_files = 3;
    Journal journal(8 << 20);
    JournalWriter writer(journal, options(file_size, max_files));
    writer.start();
    const int kLines = 20000;  // about 1.2 MB: many times the cap
    for (int i = 0; i < kLines; ++i)
        journal.append("flood", 9, kPriorityInfo, "line number " + std::to_string(i), 1, 2);
    writer.finish(std::chrono::seconds(30));
    auto listed = files();
    ASSERT_EQ(listed.size(), max_files);
    for (const auto& f : listed) {
        auto size = fs::file_size(m_dir + "/" + format_journal_file_name(f));
        EXPECT_LE(size, file_size) << format_journal_file_name(f);
    }
    EXPECT_GT(writer.stats().files_made, max_files);
    EXPECT_EQ(writer.stats().written, static_cast<uint64_t>(kLines));
    // The newest lines are kept, in order, up to the very last.
    auto kept = lines_of(1);
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(kept.back().text, "line number " + std::to_string(kLines - 1));
    for (size_t i = 1; i < kept.size(); ++i)
        ASSERT_EQ(kept[i].text,
                  "line number " + std::to_string(kLines - static_cast<int>(kept.size() - i)));
}

TEST_F(JournalWriterTest, StrangersInTheDirectoryAreLeftAlone) {
    ::mkdir(m_dir.c_str(), 0755);
    std::ofstream(m_dir + "/notes.txt") << "mine\n";
    std::ofstream(m_dir + "/41-1.log") << "not a journal at all\n";
    JournalWriterStats stats = write_one_line();
    EXPECT_EQ(stats.boot, 42u);
    EXPECT_TRUE(fs::exists(m_dir + "/notes.txt"));
    ASSERT_EQ(lines_of(42).size(), 1u);
}

TEST_F(JournalWriterTest, ADirectoryOthersCanWriteIsRefused) {
    ::mkdir(m_dir.c_str(), 0777);
    ::chmod(m_dir.c_str(), 0777);
    JournalWriterStats stats = write_one_line();
    EXPECT_EQ(stats.boot, 0u);
    EXPECT_TRUE(files().empty());
}

}  // namespace
}  // namespace fastinit
