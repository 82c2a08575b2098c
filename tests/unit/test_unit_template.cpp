// Templates: instance names (make_specifiers), %i/%I/%% (expand_specifiers),
// parsing an instance (parse_unit with specifiers) and the loader making
// instances of what units and the target name (instantiate_templates).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"
#include "initd/unit/unit_template.h"

#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string all_messages(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics)
        out += d.to_string() + "\n";
    return out;
}

TEST(SplitInstanceName, SplitsAtTheFirstAt) {
    auto ref = split_instance_name("getty@ttyS0");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->template_name, "getty@");
    EXPECT_EQ(ref->instance, "ttyS0");
    EXPECT_FALSE(split_instance_name("getty"));
    EXPECT_FALSE(split_instance_name("getty@"));
    EXPECT_FALSE(split_instance_name("@tty1"));
}

TEST(IsTemplateName, OneTrailingAt) {
    EXPECT_TRUE(is_template_name("getty@"));
    EXPECT_FALSE(is_template_name("getty@tty1"));
    EXPECT_FALSE(is_template_name("@"));
    EXPECT_FALSE(is_template_name("a@b@"));
    EXPECT_FALSE(is_template_name("getty"));
}

TEST(MakeSpecifiers, UnescapesLikeSystemd) {
    auto s = make_specifiers("dev-disk-by\\x2dlabel-data");
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->instance, "dev-disk-by\\x2dlabel-data");
    EXPECT_EQ(s->unescaped, "dev/disk/by-label/data");
    auto plain = make_specifiers("ttyS0");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->unescaped, "ttyS0");
}

TEST(MakeSpecifiers, RejectsHostileInstances) {
    EXPECT_THAT(make_specifiers("").error().message, HasSubstr("empty"));
    EXPECT_THAT(make_specifiers(std::string(129, 'a')).error().message,
                HasSubstr("longer than 128"));
    EXPECT_THAT(make_specifiers("a/b").error().message, HasSubstr("contains \"/\""));
    EXPECT_THAT(make_specifiers("a b").error().message, HasSubstr("contains \" \""));
    EXPECT_THAT(make_specifiers("a\nb").error().message, HasSubstr("contains \"\\n\""));
    EXPECT_THAT(make_specifiers("tty\\").error().message, HasSubstr("\\xNN"));
    EXPECT_THAT(make_specifiers("tty\\x4").error().message, HasSubstr("\\xNN"));
    EXPECT_THAT(make_specifiers("tty\\xzz").error().message, HasSubstr("\\xNN"));
    EXPECT_THAT(make_specifiers("a\\x00b").error().message, HasSubstr("NUL"));
    // Unescaped, these would climb out of /dev/%I.
    EXPECT_THAT(make_specifiers("..-etc").error().message, HasSubstr("\"..\" segment"));
    EXPECT_THAT(make_specifiers("tty-..").error().message, HasSubstr("\"..\" segment"));
    EXPECT_THAT(make_specifiers("\\x2e\\x2e").error().message, HasSubstr("\"..\" segment"));
    EXPECT_TRUE(make_specifiers("a..b"));
}

TEST(ExpandSpecifiers, ReplacesIAndPercent) {
    Specifiers s{"a-b", "a/b"};
    EXPECT_EQ(*expand_specifiers("/dev/%I (%i) 100%%", s), "/dev/a/b (a-b) 100%");
    EXPECT_EQ(*expand_specifiers("no specifiers", s), "no specifiers");
    EXPECT_EQ(*expand_specifiers("%i%i", s), "a-ba-b");
}

TEST(ExpandSpecifiers, UnknownOrTrailingPercentIsAnError) {
    Specifiers s{"x", "x"};
    EXPECT_THAT(expand_specifiers("%n", s).error().message, HasSubstr("unknown specifier \"%n\""));
    EXPECT_THAT(expand_specifiers("date +%s", s).error().message, HasSubstr("\"%s\""));
    EXPECT_THAT(expand_specifiers("50%", s).error().message, HasSubstr("%%"));
}

constexpr const char* kGetty = R"(
[unit]
description = "Getty on %I"
wants = ["log@%i"]

[condition]
path_exists = "/dev/%I"

[service]
exec = ["/sbin/agetty", "-o", "-p -- \\u", "--keep-baud", "115200,38400,9600", "%I", "$TERM"]
restart = "always"
stdout = "file:/var/log/getty-%i.log"

[service.environment]
TTY = "%I"
)";

TEST(ParseInstance, SubstitutesInEveryStringValue) {
    Specifiers s{"ttyS0", "ttyS0"};
    ParsedUnit parsed = parse_unit("getty@ttyS0", "/units/getty@.toml", kGetty, &s);
    ASSERT_TRUE(parsed.unit) << all_messages(parsed.diagnostics);
    const Unit& u = *parsed.unit;
    EXPECT_EQ(u.name, "getty@ttyS0");
    EXPECT_EQ(u.path, "/units/getty@.toml");
    EXPECT_EQ(u.description, "Getty on ttyS0");
    EXPECT_THAT(u.wants, ElementsAre("log@ttyS0"));
    EXPECT_THAT(u.conditions.path_exists, ElementsAre("/dev/ttyS0"));
    EXPECT_THAT(u.service->exec, ElementsAre("/sbin/agetty", "-o", "-p -- \\u", "--keep-baud",
                                             "115200,38400,9600", "ttyS0", "$TERM"));
    EXPECT_EQ(u.service->stdout_target.path, "/var/log/getty-ttyS0.log");
    EXPECT_THAT(u.service->environment, ElementsAre(Pair("TTY", "ttyS0")));
}

TEST(ParseInstance, UnknownSpecifierNamesFileLineAndKey) {
    Specifiers s{"x", "x"};
    ParsedUnit parsed =
        parse_unit("t@x", "/units/t@.toml", "[service]\nexec = [\"/bin/date\", \"+%s\"]\n", &s);
    EXPECT_FALSE(parsed.unit);
    ASSERT_EQ(parsed.diagnostics.size(), 1u);
    EXPECT_THAT(parsed.diagnostics[0].to_string(),
                HasSubstr("/units/t@.toml:2:1: error: service.exec: unknown specifier \"%s\""));
    ParsedUnit env =
        parse_unit("t@x", "/units/t@.toml",
                   "[service]\nexec = [\"/bin/true\"]\nenvironment = { A = \"%q\" }\n", &s);
    EXPECT_FALSE(env.unit);
    EXPECT_THAT(all_messages(env.diagnostics),
                HasSubstr("/units/t@.toml:3:17: error: service.environment.A: unknown specifier"));
}

TEST(ParseInstance, APlainUnitKeepsItsPercentSigns) {
    ParsedUnit parsed =
        parse_unit("clock", "/units/clock.toml", "[service]\nexec = [\"/bin/date\", \"+%s\"]\n");
    ASSERT_TRUE(parsed.unit) << all_messages(parsed.diagnostics);
    EXPECT_EQ(parsed.unit->service->exec[1], "+%s");
}

TEST(IsValidUnitName, AnInstanceMayHoldColonAndBackslash) {
    EXPECT_TRUE(is_valid_unit_name("fsck@dev-disk-by\\x2dlabel-data"));
    EXPECT_TRUE(is_valid_unit_name("serial@pci:0000"));
    EXPECT_FALSE(is_valid_unit_name("fsck\\x2d"));
    EXPECT_FALSE(is_valid_unit_name("a:b"));
}

TEST(InstantiateTemplates, MakesEachReferencedInstanceWithItsOwnArgument) {
    TempTree tree;
    tree.write("units/echo@.toml", "[service]\nexec = [\"/bin/echo\", \"%i\"]\n");
    tree.write("units/default.toml", "[unit]\nwants = [\"echo@one\", \"echo@two\"]\n");
    UnitSet set = load_units({tree.path("units").string()});
    EXPECT_EQ(all_messages(set.diagnostics), "");
    ASSERT_TRUE(set.units.count("echo@one"));
    ASSERT_TRUE(set.units.count("echo@two"));
    EXPECT_THAT(set.units.at("echo@one").service->exec, ElementsAre("/bin/echo", "one"));
    EXPECT_THAT(set.units.at("echo@two").service->exec, ElementsAre("/bin/echo", "two"));
    EXPECT_FALSE(set.units.count("echo@"));  // the template is no unit itself
    EXPECT_TRUE(set.templates.count("echo@"));
}

TEST(InstantiateTemplates, InstancesNamingInstancesAndTheTargetRoot) {
    TempTree tree;
    tree.write("units/a@.toml", "[unit]\nrequires = \"b@%i\"\n");
    tree.write("units/b@.toml", "[service]\nexec = [\"/bin/echo\", \"%I\"]\n");
    UnitSet set = load_units({tree.path("units").string()});
    EXPECT_TRUE(set.units.empty());  // nothing names an instance yet
    instantiate_templates(set, {"a@x-y"});
    ASSERT_TRUE(set.units.count("a@x-y"));
    ASSERT_TRUE(set.units.count("b@x-y"));
    EXPECT_THAT(set.units.at("b@x-y").service->exec, ElementsAre("/bin/echo", "x/y"));
}

TEST(InstantiateTemplates, AFileForTheInstanceWins) {
    TempTree tree;
    tree.write("units/echo@.toml", "[service]\nexec = [\"/bin/echo\", \"%i\"]\n");
    tree.write("units/echo@one.toml", "[service]\nexec = [\"/bin/true\"]\n");
    tree.write("units/default.toml", "[unit]\nwants = \"echo@one\"\n");
    UnitSet set = load_units({tree.path("units").string()});
    EXPECT_THAT(set.units.at("echo@one").service->exec, ElementsAre("/bin/true"));
}

TEST(InstantiateTemplates, BadInstanceIsBrokenWithTheReferrerNamed) {
    TempTree tree;
    tree.write("units/echo@.toml", "[service]\nexec = [\"/bin/echo\", \"%I\"]\n");
    tree.write("units/default.toml", "[unit]\nwants = [\"echo@..\", \"echo@ok\"]\n");
    UnitSet set = load_units({tree.path("units").string()});
    ASSERT_TRUE(set.broken.count("echo@.."));
    EXPECT_THAT(set.broken.at("echo@.."), HasSubstr("default.toml: error: cannot make echo@.."));
    EXPECT_THAT(set.broken.at("echo@.."), HasSubstr("\"..\" segment"));
    EXPECT_TRUE(set.units.count("echo@ok"));  // the rest goes on
}

TEST(InstantiateTemplates, TemplateWithABadSpecifierIsBrokenAndSoAreItsInstances) {
    TempTree tree;
    tree.write("units/echo@.toml", "[service]\nexec = [\"/bin/echo\", \"%n\"]\n");
    tree.write("units/default.toml", "[unit]\nwants = \"echo@one\"\n");
    UnitSet set = load_units({tree.path("units").string()});
    EXPECT_THAT(all_messages(set.diagnostics),
                HasSubstr("echo@.toml:2:1: error: service.exec: unknown specifier \"%n\""));
    EXPECT_TRUE(set.broken.count("echo@"));
    ASSERT_TRUE(set.broken.count("echo@one"));
    EXPECT_THAT(set.broken.at("echo@one"), HasSubstr("the template echo@ is broken"));
    EXPECT_TRUE(set.units.count("default"));
}

TEST(InstantiateTemplates, SelfMultiplyingTemplateIsCapped) {
    TempTree tree;
    tree.write("units/grow@.toml", "[unit]\nwants = [\"grow@%ia\", \"grow@%ib\"]\n");
    UnitSet set = load_units({tree.path("units").string()});
    instantiate_templates(set, {"grow@x"});
    EXPECT_EQ(set.units.size(), kMaxInstances);
    EXPECT_THAT(all_messages(set.diagnostics), HasSubstr("more than 1024 instances"));
}

}  // namespace
}  // namespace fastinit
