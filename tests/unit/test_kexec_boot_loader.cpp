// kexec/: the kernel the boot loader would start — GRUB's grubenv,
// systemd-boot's EFI variables, Boot Loader Spec boot counting, --entry, and
// the order in which they are honoured, over fixture directories.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "kexec/boot_entries.h"
#include "kexec/efi_variables.h"
#include "kexec/grubenv.h"
#include "kexec/kernel_selection.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A grubenv as grub-editenv writes it: padded with '#' to 1024 bytes.
std::string grubenv(const std::string& lines) {
    std::string text = std::string(kGrubenvSignature) + lines;
    if (text.size() < 1024)
        text.append(1024 - text.size(), '#');
    return text;
}

// An efivarfs file: 4 attribute bytes, then UTF-16LE with a NUL.
std::string efi_string(const std::u16string& value) {
    std::string bytes("\x07\x00\x00\x00", 4);
    for (char16_t c : value + u'\0') {
        bytes.push_back(static_cast<char>(c & 0xff));
        bytes.push_back(static_cast<char>(c >> 8));
    }
    return bytes;
}

// ---- grubenv ---------------------------------------------------------------

TEST(Grubenv, ReadsVariablesAndUnescapes) {
    auto env =
        parse_grubenv(grubenv("saved_entry=gnulinux-advanced-1>gnulinux-6.1.0-10\n"
                              "next_entry=\n"
                              "odd=a\\\\b\\\nc=d\n"
                              "no equals sign\n"
                              "=no name\n"));
    ASSERT_TRUE(env) << env.error().message;
    EXPECT_EQ(env->variables.at("saved_entry"), "gnulinux-advanced-1>gnulinux-6.1.0-10");
    EXPECT_EQ(env->variables.at("next_entry"), "");
    EXPECT_EQ(env->variables.at("odd"), "a\\b\nc=d");
    EXPECT_EQ(env->variables.size(), 3u);
}

TEST(Grubenv, NeedsTheSignature) {
    auto env = parse_grubenv("saved_entry=x\n");
    ASSERT_FALSE(env);
    EXPECT_THAT(env.error().message, HasSubstr("GRUB Environment Block"));
    EXPECT_TRUE(parse_grubenv(std::string(kGrubenvSignature)));            // empty, no padding
    EXPECT_TRUE(parse_grubenv(std::string(kGrubenvSignature) + "a=b\\"));  // trailing backslash
}

TEST(GrubEntryName, ReadsDebianIdsAndTitles) {
    auto id =
        parse_grub_entry_name("gnulinux-advanced-1234>gnulinux-6.1.0-10-amd64-advanced-1234-abcd");
    EXPECT_EQ(id.last, "gnulinux-6.1.0-10-amd64-advanced-1234-abcd");
    EXPECT_EQ(id.release, "6.1.0-10-amd64");
    EXPECT_FALSE(id.index);
    EXPECT_EQ(parse_grub_entry_name("Advanced options for Debian GNU/Linux>Debian GNU/Linux, "
                                    "with Linux 6.1.0-9-amd64 (recovery mode)")
                  .release,
              "6.1.0-9-amd64");
    EXPECT_TRUE(parse_grub_entry_name("1>2").index);
    EXPECT_EQ(parse_grub_entry_name("fedora-6.5").release, "");
    // A release is a file-name part, never a path.
    EXPECT_EQ(parse_grub_entry_name("x, with Linux ../../etc").release, "");
    EXPECT_EQ(parse_grub_entry_name("gnulinux-a/b-advanced-1").release, "");
}

// ---- EFI variables ---------------------------------------------------------

TEST(EfiString, DecodesUtf16AfterTheAttributes) {
    auto text = decode_efi_string(efi_string(u"debian-6.1.conf"));
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "debian-6.1.conf");
    EXPECT_EQ(*decode_efi_string(efi_string(u"\u00e9\u20ac\U0001F600")), "é€😀");
    // Without a NUL the value ends with the bytes.
    EXPECT_EQ(*decode_efi_string(std::string("\x07\0\0\0a\0b\0", 8)), "ab");
    EXPECT_EQ(*decode_efi_string(std::string("\x07\0\0\0", 4)), "");
}

TEST(EfiString, HostileBytesAreErrors) {
    EXPECT_FALSE(decode_efi_string("abc"));
    EXPECT_FALSE(decode_efi_string(std::string("\x07\0\0\0a\0b", 7)));
    EXPECT_FALSE(decode_efi_string(std::string("\x07\0\0\0\x00\xd8", 6)));          // high alone
    EXPECT_FALSE(decode_efi_string(std::string("\x07\0\0\0\x00\xdc\0\0", 8)));      // low alone
    EXPECT_FALSE(decode_efi_string(std::string("\x07\0\0\0\x00\xd8\x41\x00", 8)));  // high + 'A'
}

TEST(EfivarsDirectory, ReadsNameDashGuidFiles) {
    TempTree tree;
    tree.write(std::string("efivars/LoaderEntryDefault-") + kLoaderVendorGuid,
               efi_string(u"arch.conf"));
    tree.write("efivars/LoaderEntryOneShot-00000000-0000-0000-0000-000000000000",
               efi_string(u"other vendor"));
    EfivarsDirectory vars(tree.path("efivars"));
    auto value = read_loader_string(vars, "LoaderEntryDefault");
    ASSERT_TRUE(value) << value.error().message;
    EXPECT_EQ(*value, "arch.conf");
    auto missing = read_loader_string(vars, "LoaderEntryOneShot");
    ASSERT_TRUE(missing);
    EXPECT_EQ(*missing, std::nullopt);
    EfivarsDirectory none(tree.path("no-efi"));
    EXPECT_EQ(*read_loader_string(none, "LoaderEntryDefault"), std::nullopt);
    tree.write(std::string("efivars/LoaderEntryOneShot-") + kLoaderVendorGuid, "ab");
    auto broken = read_loader_string(vars, "LoaderEntryOneShot");
    ASSERT_FALSE(broken);
    EXPECT_THAT(broken.error().message, HasSubstr("LoaderEntryOneShot"));
}

// ---- boot counting ---------------------------------------------------------

TEST(BootCounter, SplitsLeftAndDone) {
    BootCounter c = parse_boot_counter("debian-6.1+3-1");
    EXPECT_EQ(c.id, "debian-6.1");
    EXPECT_EQ(c.tries_left, 3);
    EXPECT_EQ(c.tries_done, 1);
    c = parse_boot_counter("debian+0");
    EXPECT_EQ(c.id, "debian");
    EXPECT_EQ(c.tries_left, 0);
    EXPECT_EQ(c.tries_done, -1);
    for (const char* plain : {"debian", "a+b", "a+1-", "a+-1", "+3", "a+1-2-3", "a+99999999999"}) {
        c = parse_boot_counter(plain);
        EXPECT_EQ(c.id, plain);
        EXPECT_EQ(c.tries_left, -1) << plain;
    }
}

// ---- the order of the sources ----------------------------------------------

// Entries a, b and c (c last by version), each with its own kernel.
class LoaderChoiceTest : public ::testing::Test {
  protected:
    LoaderChoiceTest() : efivars(tree.path("efivars")) {
        for (const char* id : {"a", "b", "c"}) {
            tree.write(std::string("boot/vmlinuz-") + id, "kernel");
            entry(id, id);
        }
        places.boot_dir = tree.path("boot");
        places.root_dir = tree.root();
        places.efi_variables = &efivars;
    }
    void entry(const std::string& file, const std::string& kernel) {
        tree.write("boot/loader/entries/" + file + ".conf", "title Entry " + kernel +
                                                                "\nlinux /vmlinuz-" + kernel +
                                                                "\noptions k=" + kernel + "\n");
    }
    void efi(const std::string& name, const std::u16string& value) {
        tree.write("efivars/" + name + "-" + kLoaderVendorGuid, efi_string(value));
    }
    // The kernel chosen: "a", "b" or "c"; or the error.
    std::string chosen(const KernelOptions& options = {}) {
        auto choice = select_kernel(options, std::nullopt, places);
        if (!choice)
            return "error: " + choice.error().message;
        last = *choice;
        return choice->kernel.filename().string().substr(std::string("vmlinuz-").size());
    }
    TempTree tree;
    EfivarsDirectory efivars;
    SelectionPlaces places;
    KernelChoice last;
};

TEST_F(LoaderChoiceTest, EachSourceInItsPlace) {
    EXPECT_EQ(chosen(), "c");  // last by version order
    tree.write("boot/loader/loader.conf", "default b\n");
    EXPECT_EQ(chosen(), "b");
    tree.write("boot/grub/grubenv", grubenv("saved_entry=a\n"));
    EXPECT_EQ(chosen(), "a");
    EXPECT_THAT(last.reason, HasSubstr("grubenv saved_entry \"a\""));
    efi("LoaderEntryDefault", u"c.conf");
    EXPECT_EQ(chosen(), "c");
    EXPECT_THAT(last.reason, HasSubstr("LoaderEntryDefault"));
    tree.write("boot/grub/grubenv", grubenv("saved_entry=a\nnext_entry=Entry b\n"));  // a title
    EXPECT_EQ(chosen(), "b");
    EXPECT_THAT(last.reason, HasSubstr("grubenv next_entry"));
    efi("LoaderEntryOneShot", u"a");
    EXPECT_EQ(chosen(), "a");
    EXPECT_THAT(last.reason, HasSubstr("LoaderEntryOneShot"));
    EXPECT_EQ(last.entry_options, "k=a");
    KernelOptions options;
    options.entry = "c";
    EXPECT_EQ(chosen(options), "c");  // the admin's word wins
    EXPECT_EQ(last.rule, SelectionRule::entry_option);
}

TEST_F(LoaderChoiceTest, AWishForNoUsableEntryIsANoteAndTheNextSourceDecides) {
    efi("LoaderEntryOneShot", u"gone.conf");
    efi("LoaderEntryDefault", u"b.conf");
    EXPECT_EQ(chosen(), "b");
    EXPECT_THAT(last.notes, Contains(HasSubstr("LoaderEntryOneShot \"gone.conf\" matches no")));
    tree.write(std::string("efivars/LoaderEntryDefault-") + kLoaderVendorGuid, "\x07\0\0\0a");
    EXPECT_EQ(chosen(), "c");
    EXPECT_THAT(last.notes, Contains(HasSubstr("ignored the EFI variable LoaderEntryDefault")));
    tree.write("boot/grub/grubenv", "not a grubenv");
    EXPECT_EQ(chosen(), "c");
    EXPECT_THAT(last.notes, Contains(HasSubstr("grubenv: not a GRUB environment block")));
}

TEST_F(LoaderChoiceTest, BootCountingSkipsEntriesWithNoTriesLeft) {
    fs::remove(tree.path("boot/loader/entries/c.conf"));
    entry("c+0-3", "c");
    entry("b+2-1", "b");
    fs::remove(tree.path("boot/loader/entries/b.conf"));
    EXPECT_EQ(chosen(), "b");
    EXPECT_THAT(last.reason, HasSubstr("loader/entries/b+2-1.conf"));
    EXPECT_THAT(last.reason, HasSubstr("2 tries left"));
    EXPECT_THAT(last.notes, Contains("skipped loader/entries/c+0-3.conf: no tries left (boot "
                                     "counting)"));
    // The id has no counter: systemd-boot's variables name it without one.
    efi("LoaderEntryDefault", u"b.conf");
    EXPECT_EQ(chosen(), "b");
    EXPECT_THAT(last.reason, HasSubstr("LoaderEntryDefault"));
    KernelOptions options;
    options.entry = "c";
    EXPECT_THAT(chosen(options), HasSubstr("no such usable entry"));
    EXPECT_THAT(chosen(options), HasSubstr("no tries left"));
}

TEST_F(LoaderChoiceTest, EntryOptionIsExplicit) {
    KernelOptions options;
    options.entry = "nope";
    EXPECT_THAT(chosen(options), HasSubstr("--entry \"nope\": no such usable entry"));
    EXPECT_THAT(chosen(options), HasSubstr("usable: a, b, c"));
    options.entry = "a.conf";
    EXPECT_EQ(chosen(options), "a");
    EXPECT_EQ(last.entry_options, "k=a");
    options.kernel = tree.path("boot/vmlinuz-b").string();
    EXPECT_THAT(chosen(options), HasSubstr("give one"));
}

TEST(GrubWithoutEntries, ADebianMenuEntryNamesTheKernelByRelease) {
    TempTree tree;
    tree.write("boot/vmlinuz-6.1.0-9-amd64", "k9");
    tree.write("boot/initrd.img-6.1.0-9-amd64", "i9");
    tree.write("boot/vmlinuz-6.1.0-10-amd64", "k10");
    tree.link("boot/vmlinuz", "vmlinuz-6.1.0-10-amd64");
    SelectionPlaces places;
    places.boot_dir = tree.path("boot");
    places.root_dir = tree.root();
    tree.write("boot/grub/grubenv",
               grubenv("saved_entry=gnulinux-advanced-u>gnulinux-6.1.0-9-amd64-advanced-u\n"));
    auto choice = select_kernel({}, std::nullopt, places);
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->rule, SelectionRule::grub_saved_entry);
    EXPECT_EQ(choice->kernel, tree.path("boot/vmlinuz-6.1.0-9-amd64"));
    EXPECT_THAT(choice->initrds, ElementsAre(tree.path("boot/initrd.img-6.1.0-9-amd64")));

    // An index or an unknown release: GRUB's menu is not read; the links decide.
    for (const char* saved : {"saved_entry=1>2\n", "saved_entry=gnulinux-7.0-advanced-u\n"}) {
        tree.write("boot/grub/grubenv", grubenv(saved));
        choice = select_kernel({}, std::nullopt, places);
        ASSERT_TRUE(choice) << choice.error().message;
        EXPECT_EQ(choice->rule, SelectionRule::debian_links);
        EXPECT_THAT(choice->notes, Contains(HasSubstr("grubenv saved_entry")));
    }
}

}  // namespace
}  // namespace fastinit
