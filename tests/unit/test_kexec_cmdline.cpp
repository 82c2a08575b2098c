// kexec/: the next kernel's command line, and what a kexec_file_load errno
// means.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "kexec/cmdline.h"
#include "kexec/kexec_errors.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---- split_cmdline_words -------------------------------------------------------

TEST(SplitCmdlineWords, KeepsQuotesAsWritten) {
    EXPECT_THAT(split_cmdline_words("root=/dev/vda1  ro\tfoo=\"a b\" \"x y\"=1\n"),
                ElementsAre("root=/dev/vda1", "ro", "foo=\"a b\"", "\"x y\"=1"));
    EXPECT_THAT(split_cmdline_words("  \n"), IsEmpty());
    EXPECT_THAT(split_cmdline_words("a=\"unterminated b"), ElementsAre("a=\"unterminated b"));
}

TEST(IsOneShotWord, TheFourKinds) {
    for (const char* word :
         {"fastinit.reprobe", "fastinit.reprobe=1", "--reprobe", "BOOT_IMAGE=/vmlinuz-6.1",
          "BOOT_IMAGE=\"(hd0) /vmlinuz\"", "initrd=\\EFI\\initrd.img"})
        EXPECT_TRUE(is_one_shot_word(word)) << word;
    for (const char* word : {"fastinit.reprobes", "reprobe", "root=/dev/vda1", "initrdmem=1",
                             "fastinit.target=rescue", "rd.initrd=1"})
        EXPECT_FALSE(is_one_shot_word(word)) << word;
}

// ---- build_next_cmdline ----------------------------------------------------------

TEST(BuildNextCmdline, DropsOneShotWordsAndKeepsQuotes) {
    CmdlineEdit edit;
    edit.base =
        "BOOT_IMAGE=/vmlinuz-6.1 root=UUID=12 ro fastinit.reprobe quiet "
        "dyndbg=\"file x.c +p\" initrd=\\initrd.img --reprobe\n";
    NextCmdline next = build_next_cmdline(edit);
    EXPECT_EQ(next.text, "root=UUID=12 ro quiet dyndbg=\"file x.c +p\"");
    EXPECT_THAT(next.dropped, ElementsAre("BOOT_IMAGE=/vmlinuz-6.1", "fastinit.reprobe",
                                          "initrd=\\initrd.img", "--reprobe"));
}

// init= chooses the next boot's init (stage 1 reads it like
// fastinit.handoff=): a kexec reboot must keep it, as written.
TEST(BuildNextCmdline, KeepsInitAsWritten) {
    EXPECT_FALSE(is_one_shot_word("init=/lib/systemd/systemd"));
    CmdlineEdit edit;
    edit.base = "BOOT_IMAGE=/vmlinuz root=UUID=12 ro init=/lib/systemd/systemd quiet";
    EXPECT_EQ(build_next_cmdline(edit).text, "root=UUID=12 ro init=/lib/systemd/systemd quiet");
}

TEST(BuildNextCmdline, AppendsWordsAndReprobeOnce) {
    CmdlineEdit edit;
    edit.base = "root=/dev/vda1 fastinit.reprobe";
    edit.appends = {"console=ttyS0 msg=\"hello world\"", "quiet"};
    edit.reprobe = true;
    NextCmdline next = build_next_cmdline(edit);
    EXPECT_EQ(next.text, "root=/dev/vda1 console=ttyS0 msg=\"hello world\" quiet fastinit.reprobe");
    EXPECT_THAT(next.dropped, ElementsAre("fastinit.reprobe"));

    edit.appends = {"fastinit.reprobe"};
    EXPECT_EQ(build_next_cmdline(edit).text, "root=/dev/vda1 fastinit.reprobe");

    edit.reprobe = false;
    edit.appends.clear();
    EXPECT_EQ(build_next_cmdline(edit).text, "root=/dev/vda1");
}

TEST(BuildNextCmdline, AnExplicitCommandLineIsTakenAsWritten) {
    CmdlineEdit edit;
    edit.base = "root=/dev/sda2 fastinit.reprobe BOOT_IMAGE=x";
    edit.drop_one_shot = false;
    edit.reprobe = true;
    edit.appends = {"quiet"};
    NextCmdline next = build_next_cmdline(edit);
    EXPECT_EQ(next.text, "root=/dev/sda2 fastinit.reprobe BOOT_IMAGE=x quiet");
    EXPECT_THAT(next.dropped, IsEmpty());
}

TEST(BuildNextCmdline, AddedWordsGoBeforeInitsArguments) {
    CmdlineEdit edit;
    edit.base = "root=/dev/vda1 -- --reprobe single";
    edit.appends = {"quiet"};
    edit.reprobe = true;
    EXPECT_EQ(build_next_cmdline(edit).text, "root=/dev/vda1 quiet fastinit.reprobe -- single");
}

TEST(BuildNextCmdline, EmptyStaysEmpty) {
    EXPECT_EQ(build_next_cmdline({}).text, "");
    CmdlineEdit edit;
    edit.reprobe = true;
    EXPECT_EQ(build_next_cmdline(edit).text, "fastinit.reprobe");
}

// ---- decode_kexec_errno --------------------------------------------------------

TEST(DecodeKexecErrno, EveryListedErrnoHasItsOwnSentence) {
    const int listed[] = {ENOSYS,  EPERM,         EKEYREJECTED, EBADMSG, ENOKEY, ENODATA,
                          ENOEXEC, EADDRNOTAVAIL, ENOMEM,       EINVAL,  EBUSY,  ENOENT,
                          EACCES,  ETXTBSY,       EFBIG,        EBADF,   EIO};
    std::set<std::string> sentences;
    for (int e : listed) {
        std::string s = decode_kexec_errno(e);
        EXPECT_THAT(s, ::testing::Not(HasSubstr("kexec_file_load failed:"))) << e;
        EXPECT_GT(s.size(), 20u) << e;
        sentences.insert(s);
    }
    EXPECT_EQ(sentences.size(), std::size(listed));
    EXPECT_THAT(decode_kexec_errno(ENOSYS), HasSubstr("built without kexec_file_load"));
    EXPECT_THAT(decode_kexec_errno(EPERM), HasSubstr("CAP_SYS_BOOT"));
    EXPECT_THAT(decode_kexec_errno(EPERM), HasSubstr("kexec_load_disabled"));
    EXPECT_THAT(decode_kexec_errno(EPERM), HasSubstr("locked down"));
    EXPECT_THAT(decode_kexec_errno(EKEYREJECTED), HasSubstr("Secure Boot"));
    EXPECT_THAT(decode_kexec_errno(ENOEXEC), HasSubstr("not a kernel image"));
    EXPECT_THAT(decode_kexec_errno(EADDRNOTAVAIL), HasSubstr("memory hole"));
    EXPECT_THAT(decode_kexec_errno(ENOMEM), HasSubstr("not enough memory"));
    EXPECT_THAT(decode_kexec_errno(EBUSY), HasSubstr("in progress"));
    EXPECT_EQ(decode_kexec_errno(ENOSPC),
              std::string("kexec_file_load failed: ") + std::strerror(ENOSPC));
}

TEST(DecodeKexecErrno, FactsNarrowEpermDown) {
    KexecFacts no_cap;
    no_cap.has_cap_sys_boot = false;
    KexecFacts disabled;
    disabled.load_disabled = true;
    KexecFacts locked;
    locked.lockdown = "integrity";
    KexecFacts none;
    none.lockdown = "none";
    std::set<std::string> sentences = {
        decode_kexec_errno(EPERM, no_cap), decode_kexec_errno(EPERM, disabled),
        decode_kexec_errno(EPERM, locked), decode_kexec_errno(EPERM, none)};
    EXPECT_EQ(sentences.size(), 4u);
    EXPECT_THAT(decode_kexec_errno(EPERM, no_cap), HasSubstr("run it as root"));
    EXPECT_THAT(decode_kexec_errno(EPERM, disabled), HasSubstr("disabled"));
    EXPECT_THAT(decode_kexec_errno(EPERM, locked), HasSubstr("lockdown=integrity"));
    EXPECT_EQ(decode_kexec_errno(EPERM, none), decode_kexec_errno(EPERM));
    EXPECT_EQ(decode_kexec_errno(ENOEXEC, locked), decode_kexec_errno(ENOEXEC));
}

TEST(KexecFacts, ParsedFromProcAndSys) {
    EXPECT_EQ(parse_lockdown("none [integrity] confidentiality\n"), "integrity");
    EXPECT_EQ(parse_lockdown("[none] integrity confidentiality\n"), "none");
    EXPECT_EQ(parse_lockdown(""), "");
    EXPECT_TRUE(status_has_cap_sys_boot("Name:\tx\nCapEff:\t000001ffffffffff\nCapBnd:\t0\n"));
    EXPECT_FALSE(status_has_cap_sys_boot("CapEff:\t0000000000000000\n"));
    EXPECT_TRUE(status_has_cap_sys_boot("CapEff:\t0000000000400000"));   // bit 22 alone
    EXPECT_FALSE(status_has_cap_sys_boot("CapEff:\t0000000000200000"));  // bit 21
    EXPECT_FALSE(status_has_cap_sys_boot("Name:\tx\n"));

    TempTree tree;
    tree.write("proc/self/status", "CapEff:\t0000000000000000\n");
    tree.write("proc/sys/kernel/kexec_load_disabled", "1\n");
    tree.write("sys/kernel/security/lockdown", "none integrity [confidentiality]\n");
    KexecFacts facts = read_kexec_facts(tree.path("proc"), tree.path("sys"));
    EXPECT_FALSE(facts.has_cap_sys_boot);
    EXPECT_TRUE(facts.load_disabled);
    EXPECT_EQ(facts.lockdown, "confidentiality");

    KexecFacts unknown = read_kexec_facts(tree.path("nothing"), tree.path("nothing"));
    EXPECT_TRUE(unknown.has_cap_sys_boot);
    EXPECT_FALSE(unknown.load_disabled);
    EXPECT_EQ(unknown.lockdown, "");
}

}  // namespace
}  // namespace fastinit
