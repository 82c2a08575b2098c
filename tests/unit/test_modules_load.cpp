// modules-load.d: the hostile-text parser, the choice of files, and loading
// the listed modules through fake resolver and loader seams.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "device-cache/modules_load.h"
#include "device-cache/modules_load_here.h"
#include "tests/unit/device_fakes.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using namespace fastinit::testing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::vector<std::string> names(const ModulesLoadList& list) {
    std::vector<std::string> out;
    for (const auto& entry : list.modules)
        out.push_back(entry.module);
    return out;
}

ModulesLoadList parse(std::string_view text) {
    ModulesLoadList list;
    parse_modules_load(text, "/etc/modules", list);
    return list;
}

TEST(ModulesLoadParse, NamesCommentsAndBlanks) {
    auto list = parse(
        "# /etc/modules\n\n  loop  \n; old style\n\tvfat\r\nfs-ext4\n"
        "pci:v00008086d*\n");
    EXPECT_THAT(names(list), ElementsAre("loop", "vfat", "fs-ext4"));
    // A pattern is no name: kmod looks names up, it does not match them.
    ASSERT_THAT(list.problems, SizeIs(1));
    EXPECT_THAT(list.problems[0], HasSubstr("/etc/modules:7: error: \"pci:v00008086d*\""));
    EXPECT_EQ(list.modules[0].line, 3);
    EXPECT_EQ(list.modules[0].file, "/etc/modules");
    EXPECT_EQ(list.modules[2].line, 6);
}

TEST(ModulesLoadParse, BadNamesAreErrorsAtTheirLineAndTheRestCounts) {
    auto list = parse("loop\nbad/name\n-option\nna\x01me\n\xff\xfe\nvfat\n");
    EXPECT_THAT(names(list), ElementsAre("loop", "vfat"));
    ASSERT_THAT(list.problems, SizeIs(4));
    EXPECT_THAT(list.problems[0],
                HasSubstr("/etc/modules:2: error: \"bad/name\" is not a module name"));
    EXPECT_THAT(list.problems[1], HasSubstr("/etc/modules:3: error: \"-option\""));
    // Control bytes are shown escaped, bytes that are not UTF-8 replaced.
    EXPECT_THAT(list.problems[2], HasSubstr("\"na\\x01me\""));
    EXPECT_THAT(list.problems[3], HasSubstr("/etc/modules:5: error:"));
    EXPECT_EQ(list.problems[3].find('\xff'), std::string::npos);
}

TEST(ModulesLoadParse, ParametersAreIgnoredWithAWarning) {
    auto list = parse("loop max_loop=64\n");
    EXPECT_THAT(names(list), ElementsAre("loop"));
    ASSERT_THAT(list.problems, SizeIs(1));
    EXPECT_THAT(list.problems[0],
                HasSubstr("/etc/modules:1: warning: parameters \"max_loop=64\" for loop are "
                          "ignored (put them in /etc/modprobe.d)"));
}

TEST(ModulesLoadParse, ANameListedTwiceCountsOnce) {
    ModulesLoadList list;
    parse_modules_load("loop\nvfat\n", "a.conf", list);
    parse_modules_load("vfat\nloop\nfuse\n", "b.conf", list);
    EXPECT_THAT(names(list), ElementsAre("loop", "vfat", "fuse"));
    EXPECT_EQ(list.modules[2].file, "b.conf");
    EXPECT_THAT(list.problems, IsEmpty());
}

TEST(ModulesLoadParse, BoundsOnLinesNamesAndEntries) {
    std::string long_line(kModulesLoadMaxLineLength + 1, 'a');
    auto list = parse(long_line + "\nloop\n" + std::string(256, 'b') + "\n");
    EXPECT_THAT(names(list), ElementsAre("loop"));
    ASSERT_THAT(list.problems, SizeIs(2));
    EXPECT_THAT(list.problems[0], HasSubstr("/etc/modules:1: error: the line is longer than"));
    EXPECT_THAT(list.problems[1], HasSubstr("/etc/modules:3: error:"));

    std::string many;
    for (size_t i = 0; i < kModulesLoadMaxEntries + 5; ++i)
        many += "m" + std::to_string(i) + "\n";
    auto full = parse(many);
    EXPECT_THAT(full.modules, SizeIs(kModulesLoadMaxEntries));
    ASSERT_THAT(full.problems, SizeIs(1));
    EXPECT_THAT(full.problems[0], HasSubstr("error: more than 1024 modules"));
}

TEST(ModulesLoadParse, NoFinalNewlineAndEmptyText) {
    EXPECT_THAT(names(parse("loop")), ElementsAre("loop"));
    EXPECT_THAT(names(parse("")), IsEmpty());
    EXPECT_THAT(names(parse("\n\n\n")), IsEmpty());
}

TEST(ModulesLoadFiles, EarlierDirectoryWinsSortedByNameThenPlainFiles) {
    TempTree tree;
    tree.write("etc/d/b.conf", "from_etc\n");
    tree.write("lib/d/b.conf", "from_lib\n");
    tree.write("lib/d/a.conf", "first\n");
    tree.write("lib/d/c.txt", "not_conf\n");
    tree.link("etc/d/z.conf", "/dev/null");  // masks lib's z.conf
    tree.write("lib/d/z.conf", "masked\n");
    tree.write("etc/modules", "debian\n");
    auto list = read_modules_load(
        {tree.path("etc/d"), tree.path("missing"), tree.path("lib/d"), tree.path("etc/modules")});
    EXPECT_THAT(names(list), ElementsAre("first", "from_etc", "debian"));
    EXPECT_THAT(list.problems, IsEmpty());
}

TEST(ModulesLoadFiles, OversizedOrOddFilesAreErrorsAndTheOthersCount) {
    TempTree tree;
    tree.write("d/big.conf", std::string(kModulesLoadMaxFileSize + 1, '#'));
    std::filesystem::create_directories(tree.path("d/dir.conf"));
    tree.write("d/ok.conf", "loop\n");
    auto list = read_modules_load({tree.path("d")});
    EXPECT_THAT(names(list), ElementsAre("loop"));
    ASSERT_THAT(list.problems, SizeIs(2));
    EXPECT_THAT(list.problems[0], HasSubstr("big.conf"));
    EXPECT_THAT(list.problems[1], HasSubstr("dir.conf: error: not a regular file"));
}

TEST(ModulesLoadHere, LoadsListedModulesWithPrerequisitesAndReportsEach) {
    FakeResolver resolver;
    resolver.aliases["vfat"] = {"vfat"};
    resolver.aliases["loop"] = {"loop"};
    resolver.catalog["vfat"] = spec("vfat", {dep("fat")});
    FakeLoader loader;
    std::vector<ModulesLoadEntry> entries{
        {"vfat", "a.conf", 1}, {"nosuch", "a.conf", 2}, {"loop", "/etc/modules", 4}};
    auto report = load_listed_modules(entries, resolver, &loader);
    EXPECT_THAT(report.lines,
                ElementsAre("vfat: vfat loaded (a.conf:1)", "loop: loop loaded (/etc/modules:4)"));
    EXPECT_THAT(report.errors, ElementsAre("a.conf:2: error: no module or alias is called nosuch"));
    EXPECT_LT(loader.position("fat"), loader.position("vfat"));
    EXPECT_THAT(loader.loaded(), SizeIs(3));
}

TEST(ModulesLoadHere, AFailedLoadIsAnErrorAtItsLineAndTheOthersLoad) {
    FakeResolver resolver;
    resolver.aliases["a"] = {"a"};
    resolver.aliases["b"] = {"b"};
    FakeLoader loader;
    loader.failures["a"] = ENOEXEC;
    auto report = load_listed_modules({{"a", "x.conf", 1}, {"b", "x.conf", 2}}, resolver, &loader);
    EXPECT_THAT(report.lines, ElementsAre("b: b loaded (x.conf:2)"));
    ASSERT_THAT(report.errors, SizeIs(1));
    EXPECT_THAT(report.errors[0], HasSubstr("x.conf:1: error: cannot load a:"));
}

TEST(ModulesLoadHere, DryRunLoadsNothing) {
    FakeResolver resolver;
    resolver.aliases["loop"] = {"loop"};
    FakeLoader loader;
    auto report = load_listed_modules({{"loop", "x.conf", 1}}, resolver, nullptr);
    EXPECT_THAT(report.lines, ElementsAre("loop: would load loop (x.conf:1)"));
    EXPECT_THAT(loader.loaded(), IsEmpty());
}

}  // namespace
}  // namespace fastinit
