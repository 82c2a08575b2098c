// base/: durations, the kernel command line, text helpers, Result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/duration.h"
#include "base/kernel_cmdline.h"
#include "base/log.h"
#include "base/own_path.h"
#include "base/result.h"
#include "base/text.h"

#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Optional;

// ---- parse_duration ---------------------------------------------------------

Duration parsed(std::string_view text) {
    auto result = parse_duration(text);
    if (!result) {
        ADD_FAILURE() << "\"" << text << "\": " << result.error().message;
        return Duration(-1);
    }
    return *result;
}

std::string parse_error(std::string_view text) {
    auto result = parse_duration(text);
    if (result) {
        ADD_FAILURE() << "\"" << text << "\" parsed as " << result->count() << "us";
        return "";
    }
    return result.error().message;
}

TEST(ParseDuration, EverySuffix) {
    EXPECT_EQ(parsed("500us"), Duration(500us));
    EXPECT_EQ(parsed("100ms"), Duration(100ms));
    EXPECT_EQ(parsed("10s"), Duration(10s));
    EXPECT_EQ(parsed("10sec"), Duration(10s));
    EXPECT_EQ(parsed("3m"), Duration(3min));
    EXPECT_EQ(parsed("3min"), Duration(3min));
    EXPECT_EQ(parsed("2h"), Duration(2h));
    EXPECT_EQ(parsed("2hr"), Duration(2h));
    EXPECT_EQ(parsed("1d"), Duration(24h));
}

TEST(ParseDuration, BareNumbersAreSeconds) {
    EXPECT_EQ(parsed("5"), Duration(5s));
    EXPECT_EQ(parsed("0"), Duration(0));
    EXPECT_EQ(parsed("0.5"), Duration(500ms));
}

TEST(ParseDuration, SumsOfParts) {
    EXPECT_EQ(parsed("1min 30s"), Duration(90s));
    EXPECT_EQ(parsed("1min30s"), Duration(90s));
    EXPECT_EQ(parsed("1h 30min 15s 250ms"), Duration(1h + 30min + 15s + 250ms));
    EXPECT_EQ(parsed("  10s  "), Duration(10s));
}

TEST(ParseDuration, Fractions) {
    EXPECT_EQ(parsed("1.5s"), Duration(1500ms));
    EXPECT_EQ(parsed("0.25s"), Duration(250ms));
    EXPECT_EQ(parsed("0.29s"), Duration(290ms));
    EXPECT_EQ(parsed("1.5min"), Duration(90s));
    EXPECT_EQ(parsed("2.5ms"), Duration(2500us));
}

TEST(ParseDuration, SpaceBetweenNumberAndUnit) {
    EXPECT_EQ(parsed("5 s"), Duration(5s));
    EXPECT_EQ(parsed("1 min 30 s"), Duration(90s));
    // A second bare number is still a second term.
    EXPECT_EQ(parsed("1 30s"), Duration(31s));
}

TEST(ParseDuration, Errors) {
    EXPECT_EQ(parse_error(""), "invalid duration \"\": empty");
    EXPECT_EQ(parse_error("   "), "invalid duration \"   \": empty");
    EXPECT_EQ(parse_error("abc"), "invalid duration \"abc\": expected a number");
    EXPECT_EQ(parse_error("-5s"), "invalid duration \"-5s\": expected a number");
    EXPECT_EQ(parse_error(".5s"), "invalid duration \".5s\": expected a number");
    EXPECT_EQ(parse_error("10 parsecs"),
              "invalid duration \"10 parsecs\": unknown unit \"parsecs\" (use us, ms, s, min, h "
              "or d)");
    EXPECT_EQ(parse_error("10parsecs"),
              "invalid duration \"10parsecs\": unknown unit \"parsecs\" (use us, ms, s, min, h "
              "or d)");
    EXPECT_THAT(parse_error("1e5"), HasSubstr("unknown unit \"e\""));
    EXPECT_THAT(parse_error("5S"), HasSubstr("unknown unit \"S\""));
    EXPECT_THAT(parse_error("10s later"), HasSubstr("expected a number"));
}

TEST(ParseDuration, Overflow) {
    EXPECT_EQ(parse_error("99999999999999999999"),
              "invalid duration \"99999999999999999999\": too large");
    EXPECT_THAT(parse_error("99999999999999999999us"), HasSubstr("too large"));
    EXPECT_THAT(parse_error("367d"), HasSubstr("too large"));
    EXPECT_THAT(parse_error("9000h"), HasSubstr("too large"));
    // Each part fits, the sum does not.
    EXPECT_THAT(parse_error("200d 200d"), HasSubstr("too large"));
    EXPECT_EQ(parsed("366d"), Duration(366 * 24h));
}

// ---- format_duration --------------------------------------------------------

TEST(FormatDuration, PicksAReadableUnit) {
    EXPECT_EQ(format_duration(Duration(0)), "0us");
    EXPECT_EQ(format_duration(Duration(12us)), "12us");
    EXPECT_EQ(format_duration(Duration(999us)), "999us");
    EXPECT_EQ(format_duration(Duration(1ms)), "1ms");
    EXPECT_EQ(format_duration(Duration(1500us)), "1.5ms");
    EXPECT_EQ(format_duration(Duration(340ms)), "340ms");
    EXPECT_EQ(format_duration(Duration(1s)), "1s");
    EXPECT_EQ(format_duration(Duration(1250ms)), "1.25s");
    EXPECT_EQ(format_duration(Duration(1234567us)), "1.23s");
    EXPECT_EQ(format_duration(Duration(59s)), "59s");
    EXPECT_EQ(format_duration(Duration(60s)), "1min 0s");
    EXPECT_EQ(format_duration(Duration(90s)), "1min 30s");
    EXPECT_EQ(format_duration(Duration(2h)), "120min 0s");
}

TEST(FormatDuration, RoundingNeverProducesExponentsOrSixtySeconds) {
    // 999.999ms rounds to three digits as "1e+03ms" with a naive %g.
    EXPECT_EQ(format_duration(Duration(999999us)), "1s");
    EXPECT_EQ(format_duration(Duration(999500us)), "1s");
    EXPECT_EQ(format_duration(Duration(999499us)), "999ms");
    // 59.9999s must not read "60s", nor 59min 59.9999s "59min 60s".
    EXPECT_EQ(format_duration(Duration(59999999us)), "1min 0s");
    EXPECT_EQ(format_duration(Duration(59949999us)), "59.9s");
    EXPECT_EQ(format_duration(Duration(3599999999us)), "60min 0s");
    EXPECT_EQ(format_duration(Duration(119990000us)), "2min 0s");
    for (long long us = 1; us < 4000000000LL; us = us * 3 + 7) {
        std::string text = format_duration(Duration(us));
        EXPECT_EQ(text.find('e'), std::string::npos) << us << " → " << text;
        EXPECT_EQ(text.find(" 60s"), std::string::npos) << us << " → " << text;
        EXPECT_NE(text, "60s") << us;
    }
}

TEST(FormatDuration, RoundTripsThroughParse) {
    for (Duration d : {Duration(0), Duration(7us), Duration(250ms), Duration(1500ms), Duration(42s),
                       Duration(90s), Duration(3h)}) {
        EXPECT_EQ(parsed(format_duration(d)), d) << format_duration(d);
    }
}

// ---- KernelCmdline ----------------------------------------------------------

TEST(KernelCmdline, SplitsOnWhitespaceAndGroupsQuotes) {
    auto cmdline = KernelCmdline::parse(
        "BOOT_IMAGE=/vmlinuz root=/dev/sda1  quiet\tinit=\"/sbin/my init\" rd.x= \"\"\n");
    EXPECT_THAT(cmdline.words(), ElementsAre("BOOT_IMAGE=/vmlinuz", "root=/dev/sda1", "quiet",
                                             "init=/sbin/my init", "rd.x=", ""));
}

TEST(KernelCmdline, EmptyAndBlankLines) {
    EXPECT_THAT(KernelCmdline::parse("").words(), IsEmpty());
    EXPECT_THAT(KernelCmdline::parse(" \t\n ").words(), IsEmpty());
}

TEST(KernelCmdline, QuotesMayStartMidWord) {
    EXPECT_THAT(KernelCmdline::parse("a=\"x y\"z b").words(), ElementsAre("a=x yz", "b"));
    // An unterminated quote runs to the end.
    EXPECT_THAT(KernelCmdline::parse("a=\"x y").words(), ElementsAre("a=x y"));
}

TEST(KernelCmdline, Has) {
    auto cmdline = KernelCmdline::parse("quiet console=ttyS0 rd.debug= single");
    EXPECT_TRUE(cmdline.has("quiet"));
    EXPECT_TRUE(cmdline.has("console"));
    EXPECT_TRUE(cmdline.has("rd.debug"));
    EXPECT_TRUE(cmdline.has("single"));
    EXPECT_TRUE(cmdline.has("console=ttyS0"));
    EXPECT_FALSE(cmdline.has("cons"));
    EXPECT_FALSE(cmdline.has("quie"));
    EXPECT_FALSE(cmdline.has("quiet2"));
    EXPECT_FALSE(cmdline.has("rd"));
    EXPECT_FALSE(cmdline.has("ttyS0"));
}

TEST(KernelCmdline, ValueLastWins) {
    auto cmdline =
        KernelCmdline::parse("console=tty0 quiet console=ttyS0,115200 empty= init=\"/a b\"");
    EXPECT_THAT(cmdline.value("console"), Optional("ttyS0,115200"s));
    EXPECT_THAT(cmdline.value("init"), Optional("/a b"s));
    // "key=" has an empty value; a bare word has none.
    EXPECT_THAT(cmdline.value("empty"), Optional(""s));
    EXPECT_EQ(cmdline.value("quiet"), std::nullopt);
    EXPECT_EQ(cmdline.value("missing"), std::nullopt);
    EXPECT_EQ(cmdline.value("cons"), std::nullopt);
}

TEST(KernelCmdline, ValueKeepsLaterEqualsSigns) {
    auto cmdline = KernelCmdline::parse("opts=a=b,c=d");
    EXPECT_THAT(cmdline.value("opts"), Optional("a=b,c=d"s));
    EXPECT_THAT(cmdline.value("opts=a"), Optional("b,c=d"s));
}

// ---- text helpers -----------------------------------------------------------

// log::cat builds messages without iostreams; it prints what an ostream
// would, except that 8-bit integers are numbers, not characters.
TEST(LogCat, PrintsLikeAnOstream) {
    std::string owned = "owned";
    std::string_view view = "view";
    EXPECT_EQ(log::cat("text ", owned, ' ', view), "text owned view");
    EXPECT_EQ(log::cat(-42, " ", 0, " ", 18446744073709551615ull), "-42 0 18446744073709551615");
    EXPECT_EQ(log::cat(static_cast<short>(-7), static_cast<unsigned char>(200)), "-7200");
    EXPECT_EQ(log::cat(true, false), "10");
    EXPECT_EQ(log::cat(1.5, " ", 0.1, " ", 1234567.0, " ", 2.0f), "1.5 0.1 1.23457e+06 2");
    EXPECT_EQ(log::cat(), "");
}

TEST(SiblingProgram, FindsExecutablesNextToTheRunningBinary) {
    // This test binary is the running program: its own name is a sibling.
    char self[4096];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT_GT(n, 0);
    std::string path(self, static_cast<size_t>(n));
    std::string name = path.substr(path.rfind('/') + 1);
    EXPECT_EQ(sibling_program(name), path);
    EXPECT_EQ(sibling_program("no-such-program-here"), "");
}

TEST(EditDistance, Levenshtein) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
    EXPECT_EQ(edit_distance("", "abcd"), 4u);
    EXPECT_EQ(edit_distance("same", "same"), 0u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("sitting", "kitten"), 3u);
    EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
    EXPECT_EQ(edit_distance("requirs", "requires"), 1u);
    EXPECT_EQ(edit_distance("restart_dealy", "restart_delay"), 2u);
}

TEST(ClosestMatch, SuggestsPlausibleTypos) {
    const std::vector<std::string_view> keys = {"requires", "wants", "after", "restart_delay",
                                                "restart_delay_max"};
    EXPECT_EQ(closest_match("requirs", keys), "requires");
    EXPECT_EQ(closest_match("restart_dealy", keys), "restart_delay");
    EXPECT_EQ(closest_match("restart_delay_mx", keys), "restart_delay_max");
    EXPECT_EQ(closest_match("wnats", keys), "wants");
}

TEST(ClosestMatch, NoSuggestionWhenTooFar) {
    const std::vector<std::string_view> keys = {"requires", "wants", "after"};
    EXPECT_EQ(closest_match("colour", keys), "");
    EXPECT_EQ(closest_match("xyz", keys), "");
    EXPECT_EQ(closest_match("anything", {}), "");
    // Short words allow two edits; a word of n letters about n/3.
    EXPECT_EQ(closest_match("abcdef", {"abcdxy"}), "abcdxy");
    EXPECT_EQ(closest_match("abcdef", {"abcxyz"}), "");
    EXPECT_EQ(closest_match("abcdefghijkl", {"abcdefghwxyz"}), "abcdefghwxyz");
    EXPECT_EQ(closest_match("abcdefghijkl", {"abcdefgvwxyz"}), "");
}

TEST(ClosestMatch, FirstOfEquallyCloseCandidates) {
    EXPECT_EQ(closest_match("cat", {"bat", "hat"}), "bat");
    EXPECT_EQ(closest_match("cat", {"hat", "bat"}), "hat");
}

TEST(Join, JoinsWithSeparator) {
    EXPECT_EQ(join({}, ", "), "");
    EXPECT_EQ(join({"a"}, ", "), "a");
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({"", ""}, "-"), "-");
}

class ReadFile : public ::testing::Test {
  protected:
    void SetUp() override { m_dir = m_tree.root().string(); }
    TempTree m_tree;
    std::string m_dir;
};

TEST_F(ReadFile, MissingFileErrorNamesThePath) {
    std::string path = m_dir + "/no-such-file";
    auto result = read_file(path);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "cannot open " + path + ": No such file or directory");
    EXPECT_EQ(result.error().errno_value, ENOENT);
}

TEST_F(ReadFile, DirectoryErrorNamesThePath) {
    auto result = read_file(m_dir);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.error().message, HasSubstr(m_dir));
    EXPECT_EQ(result.error().errno_value, EISDIR);
}

TEST_F(ReadFile, ReadsEveryByte) {
    std::string data;
    for (int i = 0; i < 300000; ++i)
        data += static_cast<char>(i * 7 % 256);
    std::string path = m_dir + "/data";
    {
        std::ofstream out(path, std::ios::binary);
        out << data;
    }
    auto result = read_file(path);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->size(), data.size());
    EXPECT_TRUE(*result == data);

    std::string empty = m_dir + "/empty";
    { std::ofstream touch(empty); }
    auto nothing = read_file(empty);
    ASSERT_TRUE(nothing.ok());
    EXPECT_EQ(*nothing, "");
}

// ---- Result -----------------------------------------------------------------

TEST(Result, HoldsAValueOrAnError) {
    Result<int> good = 42;
    EXPECT_TRUE(good.ok());
    EXPECT_TRUE(static_cast<bool>(good));
    EXPECT_EQ(*good, 42);
    EXPECT_EQ(good.value(), 42);

    Result<int> bad = Error{"it broke", EIO};
    EXPECT_FALSE(bad.ok());
    EXPECT_FALSE(static_cast<bool>(bad));
    EXPECT_EQ(bad.error().message, "it broke");
    EXPECT_EQ(bad.error().errno_value, EIO);

    Result<std::string> text = std::string("hello");
    EXPECT_EQ(text->size(), 5u);
    std::string moved = std::move(text).value();
    EXPECT_EQ(moved, "hello");
}

TEST(Result, VoidResult) {
    Result<void> fine;
    EXPECT_TRUE(fine.ok());
    EXPECT_TRUE(ok_result().ok());
    Result<void> bad = Error{"nope"};
    EXPECT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().message, "nope");
    EXPECT_EQ(bad.error().errno_value, 0);
}

Result<int> half(int n) {
    if (n % 2)
        return Error{"odd: " + std::to_string(n)};
    return n / 2;
}

Result<void> quarter_into(int n, int& out) {
    FI_TRY(half(n));
    FI_TRY(half(n / 2));
    out = n / 4;
    return {};
}

TEST(Result, TryPropagatesTheFirstError) {
    int out = -1;
    EXPECT_TRUE(quarter_into(8, out).ok());
    EXPECT_EQ(out, 2);

    out = -1;
    auto first = quarter_into(7, out);
    ASSERT_FALSE(first.ok());
    EXPECT_EQ(first.error().message, "odd: 7");
    EXPECT_EQ(out, -1);

    auto second = quarter_into(6, out);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().message, "odd: 3");
    EXPECT_EQ(out, -1);
}

TEST(SystemError, AppendsStrerrorAndKeepsErrno) {
    Error e = system_error("cannot open /x", ENOENT);
    EXPECT_EQ(e.message, "cannot open /x: No such file or directory");
    EXPECT_EQ(e.errno_value, ENOENT);

    errno = EACCES;
    Error from_errno = system_error("cannot write");
    EXPECT_EQ(from_errno.message, "cannot write: Permission denied");
    EXPECT_EQ(from_errno.errno_value, EACCES);
}

TEST(Utf8, WellFormedTextIsValidAndKept) {
    for (std::string_view text : {"", "plain ascii", "caf\xC3\xA9", "\xE2\x82\xAC 5",
                                  "\xF0\x9F\x98\x80", "\xED\x9F\xBF", "\xF4\x8F\xBF\xBD"}) {
        EXPECT_TRUE(is_valid_utf8(text)) << text;
        EXPECT_EQ(to_valid_utf8(text), text);
    }
}

TEST(Utf8, EveryMalformedFormIsReplacedByteByByte) {
    const std::string replacement = "\xEF\xBF\xBD";
    struct Case {
        std::string_view input;
        std::string expected;
    };
    for (const Case& c : std::initializer_list<Case>{
             {"\x80", replacement},                                      // stray continuation
             {"a\xC3", "a" + replacement},                               // cut short
             {"\xC0\xAF", replacement + replacement},                    // overlong '/'
             {"\xE0\x80\xAF", replacement + replacement + replacement},  // overlong
             {"\xED\xA0\x80", replacement + replacement + replacement},  // surrogate
             {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},
             {"\xFF ok", replacement + " ok"},
             // Noncharacters, which sd-bus refuses: U+FFFE, U+FDD0, U+10FFFF.
             {"\xEF\xBF\xBE", replacement + replacement + replacement},
             {"\xEF\xB7\x90", replacement + replacement + replacement},
             {"\xF4\x8F\xBF\xBF", replacement + replacement + replacement + replacement},
             {"\xd1\xa8u", "\xd1\xa8u"},  // well-formed: U+0468 then 'u'
         }) {
        EXPECT_EQ(to_valid_utf8(c.input), c.expected);
        EXPECT_EQ(is_valid_utf8(c.input), c.expected == c.input);
        EXPECT_TRUE(is_valid_utf8(to_valid_utf8(c.input)));
    }
}

}  // namespace
}  // namespace fastinit
