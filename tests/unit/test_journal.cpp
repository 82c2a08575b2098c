// The journal (bounded, ring-ordered, every drop counted) and the making of
// its lines from a service's raw output.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "initd/run/journal.h"
#include "initd/run/kmsg_forward.h"
#include "initd/run/output_lines.h"
#include "initd/run/syslog_forward.h"

namespace fastinit {
namespace {

constexpr size_t kOverhead = Journal::kLineOverhead;

void add(Journal& journal, const std::string& unit, const std::string& text) {
    journal.append(unit, 42, kPriorityInfo, text, 1000, 2000);
}

// A query with only these set (designated initializers would have to name
// every field before them).
JournalQuery query(std::vector<std::string> units = {}, uint64_t after = 0, size_t tail = 0,
                   size_t max_lines = 10000, size_t max_bytes = 1 << 20) {
    JournalQuery q;
    q.units = std::move(units);
    q.after = after;
    q.tail = tail;
    q.max_lines = max_lines;
    q.max_bytes = max_bytes;
    return q;
}

std::vector<std::string> texts(const JournalPage& page) {
    std::vector<std::string> out;
    for (const auto& line : page.lines)
        out.push_back(line.seq == 0 ? "[" + line.text + "]" : line.unit + ":" + line.text);
    return out;
}

TEST(Journal, KeepsLinesInOrderWithTheirTags) {
    Journal journal(1 << 20);
    journal.append("web", 7, 3, "first", 111, 222);
    journal.append("db", 8, 6, "second", 333, 444);
    JournalPage page = journal.read({});
    ASSERT_EQ(page.lines.size(), 2u);
    EXPECT_EQ(page.lines[0].seq, 1u);
    EXPECT_EQ(page.lines[0].unit, "web");
    EXPECT_EQ(page.lines[0].pid, 7);
    EXPECT_EQ(page.lines[0].priority, 3);
    EXPECT_EQ(page.lines[0].realtime_us, 111);
    EXPECT_EQ(page.lines[0].boottime_us, 222);
    EXPECT_EQ(page.lines[1].text, "second");
    EXPECT_EQ(page.next, 2u);
    EXPECT_FALSE(page.more);
}

TEST(Journal, DropsTheOldestAndCountsExactly) {
    // Room for exactly ten lines of ten bytes.
    Journal journal(10 * (10 + kOverhead));
    for (int i = 0; i < 25; ++i)
        add(journal, i % 2 ? "odd" : "even",
            "line " + std::string(i < 10 ? "0" : "") + std::to_string(i) + "...");
    JournalStats stats = journal.stats();
    EXPECT_EQ(stats.lines, 25u);
    EXPECT_EQ(stats.dropped, 15u);
    EXPECT_LE(stats.bytes, stats.budget);
    EXPECT_EQ(stats.bytes, 10 * (10 + kOverhead));
    // Lines 0..14 went: 8 even (0, 2, ..., 14) and 7 odd.
    EXPECT_EQ(journal.dropped_of("even"), 8u);
    EXPECT_EQ(journal.dropped_of("odd"), 7u);

    JournalPage all = journal.read({});
    ASSERT_EQ(all.lines.size(), 11u);
    EXPECT_EQ(all.lines[0].seq, 0u) << "the drop count is a line of its own";
    EXPECT_EQ(all.lines[0].text, "15 lines dropped");
    EXPECT_EQ(all.lines[1].text, "line 15...");
    EXPECT_EQ(all.lines[10].text, "line 24...");

    JournalPage odd = journal.read(query({"odd"}));
    std::vector<std::string> expected = {"[7 lines dropped]", "odd:line 15...", "odd:line 17...",
                                         "odd:line 19...",    "odd:line 21...", "odd:line 23..."};
    EXPECT_EQ(texts(odd), expected);
}

TEST(Journal, EveryLineIsKeptOrCountedUnderAFlood) {
    Journal journal(64 << 10);
    const int kLines = 100000;
    for (int i = 0; i < kLines; ++i) {
        add(journal, "a", "a " + std::to_string(i));
        add(journal, "b", "b " + std::to_string(i));
        ASSERT_LE(journal.stats().bytes, 64u << 10);
    }
    for (const char* unit : {"a", "b"}) {
        JournalPage page = journal.read(query({unit}, 0, 0, 1000000, SIZE_MAX));
        ASSERT_FALSE(page.lines.empty());
        ASSERT_EQ(page.lines[0].seq, 0u);
        uint64_t dropped = std::stoull(page.lines[0].text);
        EXPECT_EQ(dropped, journal.dropped_of(unit));
        EXPECT_EQ(dropped + page.lines.size() - 1, static_cast<uint64_t>(kLines));
        // The kept ones are the newest, contiguous and in order.
        for (size_t i = 1; i < page.lines.size(); ++i)
            EXPECT_EQ(page.lines[i].text,
                      std::string(unit) + " " + std::to_string(dropped + i - 1));
    }
}

TEST(Journal, TailGivesTheLastLinesOfTheUnitsAsked) {
    Journal journal;
    for (int i = 0; i < 30; ++i)
        add(journal, i % 3 == 0 ? "x" : "y", std::to_string(i));
    JournalPage page = journal.read(query({"x"}, 0, 3));
    std::vector<std::string> expected = {"x:21", "x:24", "x:27"};
    EXPECT_EQ(texts(page), expected);
    EXPECT_EQ(page.next, 30u) << "the cursor passes the other units' lines too";
    // Asking for more than there are gives them all.
    EXPECT_EQ(journal.read(query({"x"}, 0, 100)).lines.size(), 10u);
}

TEST(Journal, ACursorFollowsAndSeesWhatItMissed) {
    Journal journal(4 * (1 + kOverhead));
    add(journal, "u", "1");
    add(journal, "u", "2");
    JournalPage first = journal.read({});
    EXPECT_EQ(first.next, 2u);
    EXPECT_TRUE(journal.read(query({}, first.next)).lines.empty());
    for (int i = 3; i <= 9; ++i)
        add(journal, "u", std::to_string(i));
    // 3..5 went before this reader saw them; 6..9 are there.
    JournalPage second = journal.read(query({}, first.next));
    std::vector<std::string> expected = {"[3 lines dropped]", "u:6", "u:7", "u:8", "u:9"};
    EXPECT_EQ(texts(second), expected);
    EXPECT_EQ(second.next, 9u);
}

TEST(Journal, RepliesStopAtTheirBoundsAndGoOnFromNext) {
    Journal journal;
    for (int i = 0; i < 100; ++i)
        add(journal, "u", std::to_string(i));
    JournalPage page = journal.read(query({}, 0, 0, 30));
    EXPECT_EQ(page.lines.size(), 30u);
    EXPECT_TRUE(page.more);
    size_t total = page.lines.size();
    while (page.more) {
        page = journal.read(query({}, page.next, 0, 30));
        total += page.lines.size();
    }
    EXPECT_EQ(total, 100u);
    JournalPage bytes = journal.read(query({}, 0, 0, 10000, 10));
    EXPECT_LT(bytes.lines.size(), 100u);
    EXPECT_TRUE(bytes.more);
}

TEST(Journal, UnknownUnitsMatchNothing) {
    Journal journal;
    add(journal, "u", "x");
    JournalPage page = journal.read(query({"nobody"}));
    EXPECT_TRUE(page.lines.empty());
    EXPECT_EQ(page.next, 1u);
}

TEST(Journal, AShrunkBudgetDropsAndCounts) {
    Journal journal(1 << 20);
    for (int i = 0; i < 100; ++i)
        add(journal, "u", "0123456789");
    journal.set_budget(10 * (10 + kOverhead));
    EXPECT_EQ(journal.stats().dropped, 90u);
    EXPECT_EQ(journal.read({}).lines.size(), 11u);
}

TEST(Journal, ALineLargerThanTheBudgetIsKeptAlone) {
    Journal journal(kOverhead + 10);
    add(journal, "u", "small");
    add(journal, "u", std::string(1000, 'x'));
    EXPECT_EQ(journal.stats().dropped, 1u);
    add(journal, "u", "next");
    EXPECT_EQ(journal.stats().dropped, 2u);
    EXPECT_LE(journal.stats().bytes, journal.stats().budget);
}

// ---- OutputLines ---------------------------------------------------------------

struct Collected {
    std::vector<std::pair<int, std::string>> lines;
    OutputLines::Sink sink() {
        return [this](int priority, std::string_view text) {
            lines.emplace_back(priority, std::string(text));
        };
    }
};

TEST(OutputLines, JoinsLinesSplitAcrossReadsAndKeepsTheLastOne) {
    OutputLines out;
    Collected got;
    out.feed("hel", got.sink());
    out.feed("lo\nwor", got.sink());
    out.feed("ld\n\nno newline", got.sink());
    ASSERT_EQ(got.lines.size(), 3u);
    out.finish(got.sink());
    ASSERT_EQ(got.lines.size(), 4u);
    EXPECT_EQ(got.lines[0].second, "hello");
    EXPECT_EQ(got.lines[1].second, "world");
    EXPECT_EQ(got.lines[2].second, "") << "an empty line is a line";
    EXPECT_EQ(got.lines[3].second, "no newline");
    out.finish(got.sink());
    EXPECT_EQ(got.lines.size(), 4u) << "nothing is left to finish twice";
}

TEST(OutputLines, PriorityPrefixesAreReadAndTakenOff) {
    OutputLines out;
    Collected got;
    out.feed("<3>failed\n<7>detail\nplain\n<8>not a priority\n<3x\n", got.sink());
    std::vector<std::pair<int, std::string>> expected = {
        {3, "failed"}, {7, "detail"}, {6, "plain"}, {6, "<8>not a priority"}, {6, "<3x"}};
    EXPECT_EQ(got.lines, expected);
}

TEST(OutputLines, APrefixSplitAcrossReadsStillCounts) {
    OutputLines out;
    Collected got;
    out.feed("<", got.sink());
    out.feed("4>warn\n", got.sink());
    ASSERT_EQ(got.lines.size(), 1u);
    EXPECT_EQ(got.lines[0], std::make_pair(4, std::string("warn")));
}

TEST(OutputLines, OverlongLinesAreCutAndCounted) {
    OutputLines out;
    Collected got;
    std::string huge(3 * kMaxLineBytes + 5, 'x');
    // Fed in pieces, as a pipe delivers it.
    for (size_t at = 0; at < huge.size(); at += 1000)
        out.feed(std::string_view(huge).substr(at, 1000), got.sink());
    out.feed("\nafter\n", got.sink());
    ASSERT_EQ(got.lines.size(), 2u);
    EXPECT_EQ(got.lines[0].second, std::string(kMaxLineBytes, 'x'));
    EXPECT_EQ(got.lines[1].second, "after");
    EXPECT_EQ(out.cut_lines(), 1u);
    EXPECT_EQ(out.cut_bytes(), 2 * kMaxLineBytes + 5);
    // Exactly the bound is not cut.
    out.feed(std::string(kMaxLineBytes, 'y') + "\n", got.sink());
    EXPECT_EQ(out.cut_lines(), 1u);
    EXPECT_EQ(got.lines.back().second.size(), kMaxLineBytes);
}

TEST(OutputLines, BinaryBytesAreEscapedIntoValidText) {
    OutputLines out;
    Collected got;
    out.feed(std::string("a\0b\x01\tc\x7f\xff\xfe", 9) + "\n", got.sink());
    ASSERT_EQ(got.lines.size(), 1u);
    EXPECT_EQ(got.lines[0].second, "a\\x00b\\x01\tc\\x7f\xef\xbf\xbd\xef\xbf\xbd");
}

}  // namespace
}  // namespace fastinit

// ---- KmsgForward ---------------------------------------------------------------

namespace fastinit {
namespace {

std::string read_all(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    std::string out;
    char buffer[4096];
    size_t n;
    while (f && (n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
        out.append(buffer, n);
    if (f)
        std::fclose(f);
    return out;
}

TEST(KmsgForward, TagsLinesAndHoldsBackPastTheKernelsBudgetSayingHowMany) {
    char path[] = "/tmp/kmsg-forward-XXXXXX";
    int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    KmsgForward forward(path);
    const std::chrono::steady_clock::time_point t0(std::chrono::seconds(1000));
    for (int i = 0; i < 25; ++i)
        forward.forward({1, "web", 812, 0, 0, i == 0 ? 3 : 6, "line " + std::to_string(i)}, t0);
    EXPECT_EQ(forward.held_back(), 25u - KmsgForward::kBurst);
    // After the interval: the note first, then the line.
    forward.forward({26, "web", 812, 0, 0, 6, "later"}, t0 + KmsgForward::kInterval);
    std::string written = read_all(path);
    ::unlink(path);
    EXPECT_EQ(written.find("<3>web[812]: line 0\n"), 0u) << written;
    EXPECT_NE(written.find("<6>web[812]: line 9\n"), std::string::npos);
    EXPECT_EQ(written.find("line 10\n"), std::string::npos);
    EXPECT_NE(written.find("<4>web: 15 lines not forwarded to the kernel log (fastinit logs web "
                           "has them)\n<6>web[812]: later\n"),
              std::string::npos)
        << written;
}

}  // namespace
}  // namespace fastinit

// ---- SyslogForward -------------------------------------------------------------

namespace fastinit {
namespace {

struct Listener {
    std::string path;
    int fd = -1;
    explicit Listener(std::string p) : path(std::move(p)) {
        fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        int small = 4096;  // the kernel's minimum, so that it fills up
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    }
    ~Listener() {
        ::close(fd);
        ::unlink(path.c_str());
    }
    std::vector<std::string> drain() {
        std::vector<std::string> out;
        char buffer[65536];
        ssize_t n;
        while ((n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
            out.emplace_back(buffer, static_cast<size_t>(n));
        return out;
    }
};

JournalLine service_line(const std::string& text, int priority = kPriorityInfo) {
    return {1, "web", 812, 0, 0, priority, text};
}

TEST(SyslogForward, TagsEachLineWithItsUnitPidAndPriority) {
    std::string datagram = syslog_datagram(service_line("listening", 3));
    EXPECT_EQ(datagram.rfind("<27>", 0), 0u) << datagram;  // daemon.err
    EXPECT_NE(datagram.find(" web[812]: listening"), std::string::npos) << datagram;
}

void add_web(Journal& journal, const std::string& text) {
    journal.append("web", 812, kPriorityInfo, text, 1000, 2000);
}

TEST(SyslogForward, ReplaysWhatCameBeforeTheDaemonOnceThenFollows) {
    std::string path = "/tmp/syslog-forward-" + std::to_string(::getpid());
    Journal journal;
    SyslogForward forward(journal, path);
    const SyslogForward::TimePoint t0(std::chrono::seconds(100));
    add_web(journal, "before the daemon");
    journal.append("fastinit", 1, kPriorityWarning, "the manager's own", 1000, 2000);
    EXPECT_FALSE(forward.pump(t0));
    EXPECT_EQ(forward.sent(), 0u);
    EXPECT_EQ(forward.not_sent(), 0u) << "nothing was up to miss";

    Listener daemon(path);
    EXPECT_FALSE(forward.pump(t0 + std::chrono::milliseconds(500)));
    EXPECT_EQ(forward.sent(), 0u) << "too soon to try again";
    add_web(journal, "first after");
    EXPECT_FALSE(forward.pump(t0 + SyslogForward::kRetry));
    std::vector<std::string> got = daemon.drain();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_NE(got[0].find("web[812]: before the daemon"), std::string::npos) << got[0];
    EXPECT_NE(got[1].find("<28>"), std::string::npos) << got[1];  // daemon.warning
    EXPECT_NE(got[1].find("fastinit[1]: the manager's own"), std::string::npos) << got[1];
    EXPECT_NE(got[2].find("web[812]: first after"), std::string::npos);
    // Once: the next pump sends only what is new.
    add_web(journal, "new");
    forward.pump(t0 + SyslogForward::kRetry);
    got = daemon.drain();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NE(got[0].find("web[812]: new"), std::string::npos);
}

TEST(SyslogForward, AJournalThatDroppedLinesSaysHowMany) {
    std::string path = "/tmp/syslog-forward-dropped-" + std::to_string(::getpid());
    Journal journal(4 * (Journal::kLineOverhead + 8));
    SyslogForward forward(journal, path);
    for (int i = 0; i < 10; ++i)
        add_web(journal, "line " + std::to_string(i));
    Listener daemon(path);
    forward.pump(SyslogForward::TimePoint(std::chrono::seconds(100)));
    std::vector<std::string> got = daemon.drain();
    ASSERT_EQ(got.size(), 5u);
    EXPECT_NE(got[0].find("journal[0]: 6 lines dropped"), std::string::npos) << got[0];
    EXPECT_NE(got[4].find("web[812]: line 9"), std::string::npos) << got[4];
}

TEST(SyslogForward, ADaemonThatDoesNotReadCostsNoWaitAndIsToldWhatItMissed) {
    std::string path = "/tmp/syslog-forward-full-" + std::to_string(::getpid());
    Journal journal(16 << 20);
    SyslogForward forward(journal, path);
    Listener daemon(path);
    const SyslogForward::TimePoint t1(std::chrono::seconds(100));
    add_web(journal, "first");
    forward.pump(t1);
    EXPECT_EQ(daemon.drain().size(), 1u);

    // Its buffer fills, and PID 1 does not wait.
    for (int i = 0; i < 2000; ++i)
        add_web(journal, "flood " + std::to_string(i));
    EXPECT_FALSE(forward.pump(t1));
    const uint64_t missed = forward.not_sent();
    EXPECT_GT(missed, 0u);
    EXPECT_EQ(forward.sent() + missed, 2001u);
    daemon.drain();
    add_web(journal, "after");
    forward.pump(t1);
    std::vector<std::string> got = daemon.drain();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_NE(
        got[0].find("fastinit[" + std::to_string(::getpid()) + "]: " + std::to_string(missed) +
                    " lines not forwarded to syslog (fastinit logs has them)"),
        std::string::npos)
        << got[0];
    EXPECT_NE(got[1].find("web[812]: after"), std::string::npos);
}

TEST(SyslogForward, OnePumpSendsABoundedNumberOfLines) {
    std::string path = "/tmp/syslog-forward-bounded-" + std::to_string(::getpid());
    Journal journal(16 << 20);
    SyslogForward forward(journal, path);
    Listener daemon(path);
    for (size_t i = 0; i < SyslogForward::kPumpLines + 10; ++i)
        add_web(journal, "x");
    const SyslogForward::TimePoint t(std::chrono::seconds(100));
    EXPECT_TRUE(forward.pump(t)) << "more wait";
    EXPECT_EQ(forward.sent() + forward.not_sent(), SyslogForward::kPumpLines);
    EXPECT_FALSE(forward.pump(t));
    EXPECT_EQ(forward.sent() + forward.not_sent(), SyslogForward::kPumpLines + 10);
}

}  // namespace
}  // namespace fastinit
