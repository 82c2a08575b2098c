// arg::parse: the one option parser of fastinit's programs and its one
// wording for mistakes.
#include <gtest/gtest.h>

#include "base/args.h"

namespace fastinit {
namespace {

using Words = std::vector<std::string>;

struct Parsed {
    std::string cache = "default";
    std::optional<std::string> modules_dir;
    std::vector<std::string> appends;
    bool dry_run = false;
    bool help = false;

    arg::Spec spec() {
        return {.options = {arg::value("--cache", cache), arg::value("--modules-dir", modules_dir),
                            arg::value("--append", appends), arg::flag("--dry-run", dry_run),
                            arg::flag("--help", help, 'h')}};
    }
};

TEST(Args, ValuesComeAsTheNextWordOrAfterAnEqualsSign) {
    Parsed p;
    auto rest = arg::parse(p.spec(), {"--cache", "/tmp/a.db", "--modules-dir=/lib/m", "probe"});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_EQ(p.cache, "/tmp/a.db");
    EXPECT_EQ(p.modules_dir, "/lib/m");
    EXPECT_EQ(*rest, Words{"probe"});
}

TEST(Args, TheNextWordIsAValueWhateverItLooksLike) {
    Parsed p;
    auto rest = arg::parse(p.spec(), {"--append", "--dry-run", "--append=a=b", "--cache="});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_EQ(p.appends, (Words{"--dry-run", "a=b"}));
    EXPECT_FALSE(p.dry_run);
    EXPECT_EQ(p.cache, "") << "an empty inline value is a value";
}

TEST(Args, DefaultsStayWhenAnOptionIsNotGiven) {
    Parsed p;
    auto rest = arg::parse(p.spec(), {});
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->empty());
    EXPECT_EQ(p.cache, "default");
    EXPECT_FALSE(p.modules_dir);
    EXPECT_FALSE(p.dry_run);
}

TEST(Args, FlagsAndShortNamesAndPositionalsInAnyOrder) {
    Parsed p;
    auto rest = arg::parse(p.spec(), {"show", "-h", "--dry-run", "extra", "-"});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_TRUE(p.help);
    EXPECT_TRUE(p.dry_run);
    EXPECT_EQ(*rest, (Words{"show", "extra", "-"})) << "a lone dash is a positional argument";
}

TEST(Args, DoubleDashEndsTheOptions) {
    Parsed p;
    auto rest = arg::parse(p.spec(), {"--dry-run", "--", "--cache", "-h"});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_TRUE(p.dry_run);
    EXPECT_FALSE(p.help);
    EXPECT_EQ(*rest, (Words{"--cache", "-h"}));
}

TEST(Args, AnUnknownOptionSuggestsTheClosestKnownOne) {
    Parsed p;
    auto typo = arg::parse(p.spec(), {"--cahce", "x"});
    ASSERT_FALSE(typo);
    EXPECT_EQ(typo.error().message, "unknown option --cahce (did you mean --cache?)");
    auto inline_typo = arg::parse(p.spec(), {"--dryrun=1"});
    ASSERT_FALSE(inline_typo);
    EXPECT_EQ(inline_typo.error().message, "unknown option --dryrun (did you mean --dry-run?)");
    auto far = arg::parse(p.spec(), {"--verbose"});
    ASSERT_FALSE(far);
    EXPECT_EQ(far.error().message, "unknown option --verbose");
    auto short_unknown = arg::parse(p.spec(), {"-x"});
    ASSERT_FALSE(short_unknown);
    EXPECT_EQ(short_unknown.error().message, "unknown option -x");
}

TEST(Args, AValueOptionAtTheEndNeedsAValue) {
    Parsed p;
    auto r = arg::parse(p.spec(), {"probe", "--cache"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "--cache needs a value");
}

TEST(Args, AFlagTakesNoValue) {
    Parsed p;
    auto r = arg::parse(p.spec(), {"--dry-run=yes"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "--dry-run takes no value");
    EXPECT_FALSE(p.dry_run);
}

TEST(Args, TooManyPositionalArgumentsAreAMistake) {
    Parsed p;
    arg::Spec spec = p.spec();
    spec.max_positionals = 1;
    EXPECT_TRUE(arg::parse(spec, {"probe"}));
    auto r = arg::parse(spec, {"probe", "--dry-run", "extra"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "unexpected argument \"extra\"");
    spec.max_positionals = 0;
    auto none = arg::parse(spec, {"probe"});
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message, "unexpected argument \"probe\"");
}

TEST(Args, StoppingAtThePositionalLeavesTheRestToTheVerb) {
    Parsed p;
    arg::Spec spec = p.spec();
    spec.stop_at_positional = true;
    spec.max_positionals = 1;  // the rest is the verb's, not counted
    auto rest = arg::parse(spec, {"--cache", "c", "status", "--cache", "d", "--unknown", "x"});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_EQ(p.cache, "c");
    EXPECT_EQ(*rest, (Words{"status", "--cache", "d", "--unknown", "x"}));
}

TEST(Args, UnknownOptionsCanBePositionalArguments) {
    Parsed p;
    arg::Spec spec = p.spec();
    spec.unknown_as_positional = true;
    auto rest = arg::parse(spec, {"splash", "--quiet=1", "--dry-run", "-x"});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_TRUE(p.dry_run);
    EXPECT_EQ(*rest, (Words{"splash", "--quiet=1", "-x"}));
    auto missing = arg::parse(spec, {"--cache"});
    ASSERT_FALSE(missing) << "a known option still needs its value";
    EXPECT_EQ(missing.error().message, "--cache needs a value");
}

TEST(Args, AnInlineValueOptionNeverTakesTheNextWord) {
    std::vector<std::optional<std::string>> seen;
    arg::Spec spec{.options = {arg::inline_value("--pid", [&](std::optional<std::string_view> v) {
                       seen.push_back(v ? std::optional<std::string>(*v) : std::nullopt);
                   })}};
    auto rest = arg::parse(spec, {"--pid", "A=1", "--pid=42", "--pid="});
    ASSERT_TRUE(rest) << rest.error().message;
    EXPECT_EQ(*rest, Words{"A=1"});
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen[0]);
    EXPECT_EQ(seen[1], "42");
    EXPECT_EQ(seen[2], "");
}

TEST(Args, EveryOccurrenceIsAppliedInOrder) {
    std::string order;
    arg::Spec spec{.options = {arg::flag("--a", [&] { order += "a"; }),
                               arg::value("--b", [&](std::string_view v) { order += v; })}};
    ASSERT_TRUE(arg::parse(spec, {"--a", "--b", "1", "--a", "--b=2"}));
    EXPECT_EQ(order, "a1a2");
}

}  // namespace
}  // namespace fastinit
