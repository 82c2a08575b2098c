// kexec/: which kernel and initrd come next — version order, Boot Loader
// Spec entries, the config file, and the rules in order over fixture trees.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kexec/boot_entries.h"
#include "kexec/kernel_selection.h"
#include "kexec/kexec_config.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---- compare_versions --------------------------------------------------------

TEST(CompareVersions, NumbersCompareAsNumbers) {
    EXPECT_LT(compare_versions("6.1.9", "6.1.10"), 0);
    EXPECT_GT(compare_versions("debian-6.1.0-10-amd64", "debian-6.1.0-9-amd64"), 0);
    EXPECT_EQ(compare_versions("6.1.0", "6.1.0"), 0);
    EXPECT_EQ(compare_versions("6.01", "6.1"), 0);   // leading zeros do not count
    EXPECT_LT(compare_versions("6.1", "6.1.1"), 0);  // a prefix sorts first
    EXPECT_LT(compare_versions("a", "b"), 0);
    EXPECT_GT(compare_versions("10", "9"), 0);
}

TEST(CompareVersions, TildeSortsBeforeEverything) {
    EXPECT_LT(compare_versions("1.0~rc1", "1.0"), 0);
    EXPECT_GT(compare_versions("1.0", "1.0~rc1"), 0);
    EXPECT_LT(compare_versions("1.0~rc1", "1.0~rc2"), 0);
}

// ---- parse_boot_entry --------------------------------------------------------

TEST(ParseBootEntry, ReadsTheKeysRelativeToTheBootDir) {
    auto entry = parse_boot_entry("fedora-6.5",
                                  "# comment\n"
                                  "title   Fedora Linux\n"
                                  "version 6.5.0\n"
                                  "linux   /vmlinuz-6.5.0\n"
                                  "initrd  /intel-ucode.img\n"
                                  "initrd  initramfs-6.5.0.img\n"
                                  "options root=UUID=1234 ro\n"
                                  "options quiet\n"
                                  "machine-id 0123\n",
                                  "/boot");
    ASSERT_TRUE(entry) << entry.error().message;
    EXPECT_EQ(entry->id, "fedora-6.5");
    EXPECT_EQ(entry->title, "Fedora Linux");
    EXPECT_EQ(entry->version, "6.5.0");
    EXPECT_EQ(entry->kernel, fs::path("/boot/vmlinuz-6.5.0"));
    EXPECT_THAT(entry->initrds, ElementsAre(fs::path("/boot/intel-ucode.img"),
                                            fs::path("/boot/initramfs-6.5.0.img")));
    EXPECT_EQ(entry->options, "root=UUID=1234 ro quiet");
}

TEST(ParseBootEntry, BrokenEntriesSayWhy) {
    auto reason = [](std::string_view text) {
        auto entry = parse_boot_entry("x", text, "/boot");
        return entry ? std::string("(parsed)") : entry.error().message;
    };
    EXPECT_EQ(reason("title only\n"), "no \"linux\" line");
    EXPECT_THAT(reason("efi /EFI/tool.efi\n"), HasSubstr("EFI program"));
    EXPECT_THAT(reason("linux\n"), HasSubstr("no path"));
    EXPECT_THAT(reason("linux /a\nlinux /b\n"), HasSubstr("more than one"));
    EXPECT_THAT(reason("linux /a\ninitrd\n"), HasSubstr("\"initrd\" has no path"));
}

// ---- read_boot_entries and the default ---------------------------------------

std::string entry_text(const std::string& kernel, const std::string& initrd = "") {
    return "linux " + kernel + "\n" + (initrd.empty() ? "" : "initrd " + initrd + "\n") +
           "options root=/dev/vda1\n";
}

std::vector<std::string> ids(const BootEntries& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries.entries)
        out.push_back(e.id);
    return out;
}

class BootEntriesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* v : {"6.1.0-9", "6.1.0-10", "6.1.0-11"}) {
            tree.write(std::string("boot/vmlinuz-") + v, "kernel");
            tree.write(std::string("boot/initrd.img-") + v, "initrd");
        }
    }
    void entry(const std::string& id, const std::string& text) {
        tree.write("boot/loader/entries/" + id + ".conf", text);
    }
    fs::path boot() const { return tree.path("boot"); }
    TempTree tree;
};

TEST_F(BootEntriesTest, SortedByVersionBrokenOnesSkippedWithReasons) {
    entry("debian-6.1.0-10", entry_text("/vmlinuz-6.1.0-10", "/initrd.img-6.1.0-10"));
    entry("debian-6.1.0-9", entry_text("/vmlinuz-6.1.0-9", "/initrd.img-6.1.0-9"));
    entry("debian-6.1.0-11", entry_text("/vmlinuz-6.1.0-11"));
    entry("gone", entry_text("/vmlinuz-7.0"));
    entry("no-initrd", entry_text("/vmlinuz-6.1.0-9", "/initrd.img-7.0"));
    entry("no-linux", "title nothing\n");
    tree.write("boot/loader/entries/README", "not an entry");
    tree.write("boot/loader/entries/.hidden.conf", "linux /vmlinuz-6.1.0-9\n");
    fs::create_directories(tree.path("boot/loader/entries/dir.conf"));

    BootEntries entries = read_boot_entries(boot());
    EXPECT_THAT(ids(entries), ElementsAre("debian-6.1.0-9", "debian-6.1.0-10", "debian-6.1.0-11"));
    ASSERT_EQ(entries.skipped.size(), 4u);
    EXPECT_EQ(entries.skipped[0].file, "loader/entries/dir.conf");
    EXPECT_EQ(entries.skipped[0].reason, "not a regular file");
    EXPECT_EQ(entries.skipped[1].file, "loader/entries/gone.conf");
    EXPECT_THAT(entries.skipped[1].reason, HasSubstr("vmlinuz-7.0: No such file"));
    EXPECT_EQ(entries.skipped[2].file, "loader/entries/no-initrd.conf");
    EXPECT_THAT(entries.skipped[2].reason, HasSubstr("initrd"));
    EXPECT_THAT(entries.skipped[2].reason, HasSubstr("initrd.img-7.0"));
    EXPECT_EQ(entries.skipped[3].file, "loader/entries/no-linux.conf");
    EXPECT_EQ(entries.skipped[3].reason, "no \"linux\" line");

    auto chosen = choose_default_entry(entries);
    ASSERT_TRUE(chosen);
    EXPECT_EQ(entries.entries[chosen->index].id, "debian-6.1.0-11");
    EXPECT_EQ(chosen->why, "last by version order");
}

TEST_F(BootEntriesTest, LoaderConfDefaultWinsWithOrWithoutConfSuffixAndAsAGlob) {
    entry("debian-6.1.0-9", entry_text("/vmlinuz-6.1.0-9"));
    entry("debian-6.1.0-10", entry_text("/vmlinuz-6.1.0-10"));
    entry("other-6.1.0-11", entry_text("/vmlinuz-6.1.0-11"));
    auto default_id = [&](const std::string& conf) {
        tree.write("boot/loader/loader.conf", conf);
        BootEntries entries = read_boot_entries(boot());
        auto chosen = choose_default_entry(entries);
        return chosen ? entries.entries[chosen->index].id + " / " + chosen->why : "(none)";
    };
    EXPECT_EQ(default_id("timeout 3\ndefault debian-6.1.0-9\n"),
              "debian-6.1.0-9 / loader.conf default \"debian-6.1.0-9\"");
    EXPECT_EQ(default_id("default debian-6.1.0-9.conf\n"),
              "debian-6.1.0-9 / loader.conf default \"debian-6.1.0-9.conf\"");
    EXPECT_EQ(default_id("default debian-*\n"),
              "debian-6.1.0-10 / loader.conf default \"debian-*\"");
    EXPECT_EQ(default_id("default missing\n"),
              "other-6.1.0-11 / last by version order (loader.conf default \"missing\" matches "
              "no usable entry)");
    EXPECT_THAT(default_id("default @saved\n"), HasSubstr("EFI variable"));
}

TEST_F(BootEntriesTest, ABrokenLoaderConfDefaultFallsBackToTheVersionOrder) {
    entry("good-1", entry_text("/vmlinuz-6.1.0-9"));
    entry("wanted", entry_text("/vmlinuz-missing"));
    tree.write("boot/loader/loader.conf", "default wanted\n");
    BootEntries entries = read_boot_entries(boot());
    auto chosen = choose_default_entry(entries);
    ASSERT_TRUE(chosen);
    EXPECT_EQ(entries.entries[chosen->index].id, "good-1");
    ASSERT_EQ(entries.skipped.size(), 1u);
    EXPECT_EQ(entries.skipped[0].file, "loader/entries/wanted.conf");
}

TEST_F(BootEntriesTest, NoEntriesDirectoryMeansNoEntries) {
    BootEntries entries = read_boot_entries(boot());
    EXPECT_THAT(entries.entries, IsEmpty());
    EXPECT_THAT(entries.skipped, IsEmpty());
    EXPECT_FALSE(choose_default_entry(entries));
}

// ---- the config file -----------------------------------------------------------

TEST(KexecConfig, ReadsEveryKey) {
    auto config = parse_kexec_config(
        "kernel = \"/boot/vmlinuz-6.1\"\n"
        "initrd = [\"/boot/ucode.img\", \"/boot/initrd.img-6.1\"]\n"
        "cmdline = 'root=/dev/vda1 ro'\n"
        "append = \"quiet\"\n",
        "/etc/fastinit/kexec.toml");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->path, "/etc/fastinit/kexec.toml");
    EXPECT_EQ(config->kernel, "/boot/vmlinuz-6.1");
    EXPECT_THAT(config->initrds, ElementsAre("/boot/ucode.img", "/boot/initrd.img-6.1"));
    EXPECT_EQ(config->cmdline, "root=/dev/vda1 ro");
    EXPECT_EQ(config->append, "quiet");

    auto single = parse_kexec_config("kernel = \"k\"\ninitrd = \"i\"\n", "c.toml");
    ASSERT_TRUE(single);
    EXPECT_THAT(single->initrds, ElementsAre("i"));
}

TEST(KexecConfig, ErrorsNameFileLineAndKey) {
    auto error = [](std::string_view text) {
        auto config = parse_kexec_config(text, "/etc/fastinit/kexec.toml");
        return config ? std::string("(parsed)") : config.error().message;
    };
    EXPECT_EQ(error("append = \"quiet\"\nkernal = \"/boot/vmlinuz\"\n"),
              "/etc/fastinit/kexec.toml:2:1: kernal: unknown key (did you mean \"kernel\"?)");
    EXPECT_EQ(error("\n\nkernel = 5\n"), "/etc/fastinit/kexec.toml:3:10: kernel: must be a string");
    EXPECT_EQ(error("cmdline = \"\"\n"),
              "/etc/fastinit/kexec.toml:1:11: cmdline: must not be empty");
    EXPECT_EQ(error("kernel = \"k\"\ninitrd = [\"a\", 3]\n"),
              "/etc/fastinit/kexec.toml:2:16: initrd: must be a string");
    EXPECT_THAT(error("initrd = \"/boot/initrd.img\"\n"),
                HasSubstr("kexec.toml:1:10: initrd: needs a kernel"));
    EXPECT_THAT(error("kernel = \n"), HasSubstr("/etc/fastinit/kexec.toml:1:"));
    EXPECT_THAT(error("zzz = 1\n"), HasSubstr("zzz: unknown key"));
}

TEST(KexecConfig, AMissingFileIsNoConfig) {
    TempTree tree;
    auto missing = load_kexec_config(tree.path("kexec.toml").string());
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);

    tree.write("kexec.toml", "append = \"quiet\"\n");
    auto present = load_kexec_config(tree.path("kexec.toml").string());
    ASSERT_TRUE(present);
    ASSERT_TRUE(*present);
    EXPECT_EQ((*present)->append, "quiet");

    tree.write("bad.toml", "kernel = [\n");
    auto bad = load_kexec_config(tree.path("bad.toml").string());
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message, HasSubstr(tree.path("bad.toml").string() + ":"));

    tree.write("huge.toml", std::string(20000, '#'));
    EXPECT_FALSE(load_kexec_config(tree.path("huge.toml").string()));
}

// ---- select_kernel: the rules in order -----------------------------------------

class SelectKernelTest : public ::testing::Test {
  protected:
    SelectKernelTest() {
        places.boot_dir = tree.path("boot");
        places.root_dir = tree.root();
        places.running_release = "6.1.0-18-amd64";
    }
    Result<KernelChoice> select(const KernelOptions& options = {},
                                const std::optional<KexecConfig>& config = std::nullopt) {
        return select_kernel(options, config, places);
    }
    TempTree tree;
    SelectionPlaces places;
};

TEST_F(SelectKernelTest, ExplicitOptionsComeFirst) {
    tree.write("boot/vmlinuz", "debian");
    auto kernel = tree.write("mine/bzImage", "kernel");
    auto initrd = tree.write("mine/initrd.cpio", "initrd");
    KernelOptions options;
    options.kernel = kernel.string();
    options.initrds = {initrd.string()};
    KexecConfig config;
    config.path = "kexec.toml";
    config.kernel = "/boot/vmlinuz";

    auto choice = select(options, config);
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::options);
    EXPECT_EQ(choice->kernel, kernel);
    EXPECT_THAT(choice->initrds, ElementsAre(initrd));
    EXPECT_EQ(choice->kernel_target, fs::path());
}

TEST_F(SelectKernelTest, ExplicitFilesMustExist) {
    KernelOptions options;
    options.kernel = tree.path("nope").string();
    auto missing = select(options);
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("--kernel: kernel " + *options.kernel));
    EXPECT_THAT(missing.error().message, HasSubstr("No such file"));

    options.kernel = tree.write("k", "kernel").string();
    options.initrds = {tree.path("no-initrd").string()};
    auto no_initrd = select(options);
    ASSERT_FALSE(no_initrd);
    EXPECT_THAT(no_initrd.error().message, HasSubstr("--kernel: initrd "));

    fs::create_directories(tree.path("adir"));
    options.kernel = tree.path("adir").string();
    options.initrds.clear();
    auto dir = select(options);
    ASSERT_FALSE(dir);
    EXPECT_THAT(dir.error().message, HasSubstr("not a regular file"));

    KernelOptions only_initrd;
    only_initrd.initrds = {"x"};
    auto lone = select(only_initrd);
    ASSERT_FALSE(lone);
    EXPECT_THAT(lone.error().message, HasSubstr("--initrd needs --kernel"));
}

TEST_F(SelectKernelTest, ConfigKernelBeatsBootEntriesAndIsRelativeToTheBootDir) {
    tree.write("boot/vmlinuz-6.1.0-17-amd64", "k");
    tree.write("boot/initrd.img-6.1.0-17-amd64", "i");
    tree.write("boot/loader/entries/e.conf", "linux /vmlinuz-6.1.0-17-amd64\n");
    KexecConfig config;
    config.path = "/etc/fastinit/kexec.toml";
    config.kernel = "vmlinuz-6.1.0-17-amd64";
    config.initrds = {"initrd.img-6.1.0-17-amd64"};
    auto choice = select({}, config);
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::config_file);
    EXPECT_EQ(choice->kernel, tree.path("boot/vmlinuz-6.1.0-17-amd64"));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("boot/initrd.img-6.1.0-17-amd64")));
    EXPECT_EQ(choice->reason, "kernel in /etc/fastinit/kexec.toml");

    config.kernel = "/boot/missing";
    auto missing = select({}, config);
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message,
                HasSubstr("/etc/fastinit/kexec.toml: kernel /boot/missing"));
}

TEST_F(SelectKernelTest, AConfigWithoutKernelLeavesTheChoiceToTheOtherRules) {
    tree.write("boot/vmlinuz", "k");
    KexecConfig config;
    config.path = "kexec.toml";
    config.append = "quiet";
    auto choice = select({}, config);
    ASSERT_TRUE(choice);
    EXPECT_EQ(choice->rule, SelectionRule::debian_links);
}

TEST_F(SelectKernelTest, TheDefaultBootEntryWithItsOptions) {
    tree.write("boot/vmlinuz", "debian link, not used");
    tree.write("boot/vmlinuz-6.1.0-17-amd64", "k17");
    tree.write("boot/vmlinuz-6.1.0-18-amd64", "k18");
    tree.write("boot/initrd.img-6.1.0-18-amd64", "i18");
    tree.write("boot/loader/entries/debian-6.1.0-17.conf", "linux /vmlinuz-6.1.0-17-amd64\n");
    tree.write("boot/loader/entries/debian-6.1.0-18.conf",
               "title Debian\nlinux /vmlinuz-6.1.0-18-amd64\ninitrd /initrd.img-6.1.0-18-amd64\n"
               "options root=/dev/vda1 ro\n");
    tree.write("boot/loader/entries/broken.conf", "title broken\n");
    auto choice = select();
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::boot_loader_spec);
    EXPECT_EQ(choice->kernel, tree.path("boot/vmlinuz-6.1.0-18-amd64"));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("boot/initrd.img-6.1.0-18-amd64")));
    EXPECT_EQ(choice->entry_options, "root=/dev/vda1 ro");
    EXPECT_EQ(choice->reason,
              "loader/entries/debian-6.1.0-18.conf (\"Debian\"), last by version order");
    EXPECT_THAT(choice->notes,
                ElementsAre("skipped loader/entries/broken.conf: no \"linux\" line"));

    tree.write("boot/loader/loader.conf", "default debian-6.1.0-17\n");
    auto by_conf = select();
    ASSERT_TRUE(by_conf);
    EXPECT_EQ(by_conf->kernel, tree.path("boot/vmlinuz-6.1.0-17-amd64"));
    EXPECT_THAT(by_conf->initrds, IsEmpty());
    EXPECT_EQ(by_conf->entry_options, std::nullopt);
}

TEST_F(SelectKernelTest, OnlyBrokenEntriesFallThroughWithNotes) {
    tree.write("boot/loader/entries/a.conf", "linux /vmlinuz-gone\n");
    tree.write("boot/vmlinuz", "k");
    tree.write("boot/initrd.img", "i");
    auto choice = select();
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::debian_links);
    EXPECT_EQ(choice->kernel, tree.path("boot/vmlinuz"));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("boot/initrd.img")));
    ASSERT_EQ(choice->notes.size(), 1u);
    EXPECT_THAT(choice->notes[0], HasSubstr("skipped loader/entries/a.conf: kernel "));
}

TEST_F(SelectKernelTest, DebianLinksAtTheRootAndWhereTheyLead) {
    tree.write("boot/vmlinuz-6.1.0-18-amd64", "k");
    tree.write("boot/initrd.img-6.1.0-18-amd64", "i");
    tree.link("vmlinuz", "boot/vmlinuz-6.1.0-18-amd64");
    tree.link("initrd.img", "boot/initrd.img-6.1.0-18-amd64");
    auto choice = select();
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::debian_links);
    EXPECT_EQ(choice->kernel, tree.path("vmlinuz"));
    EXPECT_EQ(choice->kernel_target, fs::canonical(tree.path("boot/vmlinuz-6.1.0-18-amd64")));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("initrd.img")));
}

TEST_F(SelectKernelTest, TheRunningReleaseLast) {
    tree.link("boot/vmlinuz", "vmlinuz-removed");  // dangling: noted, passed over
    tree.write("boot/vmlinuz-6.1.0-18-amd64", "k");
    tree.write("boot/initramfs-6.1.0-18-amd64.img", "i");
    auto choice = select();
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::running_release);
    EXPECT_EQ(choice->kernel, tree.path("boot/vmlinuz-6.1.0-18-amd64"));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("boot/initramfs-6.1.0-18-amd64.img")));
    EXPECT_THAT(choice->notes,
                ElementsAre(tree.path("boot/vmlinuz").string() + " is a dangling link"));

    tree.write("boot/initrd.img-6.1.0-18-amd64", "debian's name wins");
    auto debian = select();
    ASSERT_TRUE(debian);
    EXPECT_THAT(debian->initrds, ElementsAre(tree.path("boot/initrd.img-6.1.0-18-amd64")));
}

TEST_F(SelectKernelTest, NothingFoundSaysWhatWasTried) {
    fs::create_directories(tree.path("boot"));
    auto choice = select();
    ASSERT_FALSE(choice);
    EXPECT_EQ(choice.error().errno_value, ENOENT);
    EXPECT_THAT(choice.error().message, HasSubstr("no kernel to load"));
    EXPECT_THAT(choice.error().message,
                HasSubstr(tree.path("boot/vmlinuz-6.1.0-18-amd64").string()));
    EXPECT_THAT(choice.error().message, HasSubstr(tree.path("vmlinuz").string()));
}

}  // namespace
}  // namespace fastinit
