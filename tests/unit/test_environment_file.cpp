// Environment files (systemd's EnvironmentFile= syntax): what is taken, and
// that every bad line is reported with file:line and skipped, never fatal.
#include "initd/unit/environment_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include <string>

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using namespace std::string_literals;

EnvironmentFileContents parse(std::string_view text) {
    return parse_environment_file("/etc/default/svc", text);
}

TEST(EnvironmentFile, TakesAssignmentsCommentsAndBlankLines) {
    auto env = parse("# a comment\n; another\n\nA=1\n  B = two words  \nexport_x=y\nEMPTY=\n");
    EXPECT_THAT(env.variables, ElementsAre(Pair("A", "1"), Pair("B", "two words"),
                                           Pair("export_x", "y"), Pair("EMPTY", "")));
    EXPECT_THAT(env.problems, IsEmpty());
}

TEST(EnvironmentFile, QuotesKeepWhitespaceAndMaySpanLines) {
    auto env =
        parse("S='  a \\n $b '\nD=\"x \\\"q\\\" \\\\ \\$HOME \\t\"\nM=\"one\ntwo\"\nC=a\" b \"c\n");
    EXPECT_THAT(env.variables,
                ElementsAre(Pair("S", "  a \\n $b "), Pair("D", "x \"q\" \\ $HOME \\t"),
                            Pair("M", "one\ntwo"), Pair("C", "a b c")));
    EXPECT_THAT(env.problems, IsEmpty());
}

TEST(EnvironmentFile, BackslashEscapesAndContinuesUnquoted) {
    auto env = parse("A=a\\ b\\\\\nB=first\\\nsecond\nC=trail\\ \n");
    EXPECT_THAT(env.variables,
                ElementsAre(Pair("A", "a b\\"), Pair("B", "firstsecond"), Pair("C", "trail ")));
}

TEST(EnvironmentFile, LaterAssignmentReplacesEarlierOne) {
    auto env = parse("A=1\nB=2\nA=3\n");
    EXPECT_THAT(env.variables, ElementsAre(Pair("A", "3"), Pair("B", "2")));
}

TEST(EnvironmentFile, CarriageReturnsAreWhitespace) {
    auto env = parse("A=1\r\nB=2\r\n");
    EXPECT_THAT(env.variables, ElementsAre(Pair("A", "1"), Pair("B", "2")));
}

TEST(EnvironmentFile, BadLinesAreReportedWithTheirLineAndSkipped) {
    auto env = parse("GOOD=1\nno equals sign\n1BAD=x\nNUL=a\0b\nLAST=ok\n"s);
    EXPECT_THAT(env.variables, ElementsAre(Pair("GOOD", "1"), Pair("LAST", "ok")));
    ASSERT_EQ(env.problems.size(), 3u);
    EXPECT_THAT(env.problems[0], HasSubstr("/etc/default/svc:2: expected NAME=value"));
    EXPECT_THAT(env.problems[1], HasSubstr("/etc/default/svc:3: "));
    EXPECT_THAT(env.problems[2], HasSubstr("/etc/default/svc:4: NUL: the value contains a NUL"));
}

TEST(EnvironmentFile, LineNumbersCountLinesInsideQuotes) {
    auto env = parse("A=\"x\ny\"\nbroken\n");
    ASSERT_EQ(env.problems.size(), 1u);
    EXPECT_THAT(env.problems[0], HasSubstr(":3: "));
}

TEST(EnvironmentFile, UnterminatedQuoteIsReportedNotFatal) {
    auto env = parse("A=1\nB=\"never closed\nC=3\n");
    EXPECT_THAT(env.variables, ElementsAre(Pair("A", "1")));
    ASSERT_EQ(env.problems.size(), 1u);
    EXPECT_THAT(env.problems[0], HasSubstr(":2: unterminated \" quote"));
}

TEST(EnvironmentFile, EmptyAndOddInputs) {
    EXPECT_THAT(parse("").variables, IsEmpty());
    EXPECT_THAT(parse("=value\n").problems.size(), 1u);
    EXPECT_THAT(parse("A=\\").variables, ElementsAre(Pair("A", "")));
    EXPECT_THAT(parse("A=x").variables, ElementsAre(Pair("A", "x")));  // no final newline
}

TEST(EnvironmentFile, SetVariableReplacesByExactName) {
    std::vector<std::string> env = {"PATH=/bin", "AB=1", "A=2"};
    set_environment_variable(env, "A", "3");
    set_environment_variable(env, "NEW", "x");
    EXPECT_THAT(env, ElementsAre("PATH=/bin", "AB=1", "A=3", "NEW=x"));
}

TEST(EnvironmentFile, SetVariablesReplacesByExactNameAndAppendsInOrder) {
    std::vector<std::string> env = {"PATH=/bin", "AB=1", "A=2"};
    set_environment_variables(env, {{"A", "3"}, {"NEW", "x"}, {"NEW", "y"}, {"B", ""}});
    EXPECT_THAT(env, ElementsAre("PATH=/bin", "AB=1", "A=3", "NEW=y", "B="));
}

TEST(EnvironmentFile, ManyNamesAreHandledInLinearTime) {
    // 50,000 distinct names (a 256 KiB file holds that many): quadratic
    // matching would take seconds; a generous bound only.
    std::string text;
    for (int i = 0; i < 50000; ++i)
        text += "V" + std::to_string(i) + "=x\n";
    auto started = std::chrono::steady_clock::now();
    auto contents = parse_environment_file("/f", text);
    std::vector<std::string> env = {"PATH=/bin"};
    set_environment_variables(env, contents.variables);
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(env.size(), 50001u);
    EXPECT_LT(took, std::chrono::seconds(5));
}

}  // namespace
}  // namespace fastinit
