// resolve_credentials() against fixture passwd and group files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "initd/run/user_db.h"

#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char kPasswd[] =
    "# comment lines and blank lines are skipped\n"
    "root:x:0:0:root:/root:/bin/bash\n"
    "\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "a line without any colons\n"
    "svc:x:not-a-number:100:malformed first entry:/:/bin/false\n"
    "short:x:1005\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "svc:x:1001:1001:Service:/var/lib/svc:/usr/sbin/nologin\n"
    "bob:x:1002:100:Bob:/home/bob:/bin/sh\n"
    "alicia:x:1003:1003::/home/alicia:/bin/sh\n"
    "huge:x:4294967295:1:::\n"
    "last:x:1004:1004::/:/bin/sh";  // no newline at the end

constexpr const char kGroup[] =
    "root:x:0:\n"
    "# wheel:x:11:alice\n"
    "wheel:x:10:alice,bob\n"
    "users:x:100:\n"
    "audio:x:29:bob\n"
    "alice:x:1000:\n"
    "broken:x:not-a-number:alice\n"
    "twofields:x\n"
    "video:x:44:alicia,alice\n"
    "dup:x:bad:\n"
    "dup:x:60:\n"
    "staff:x:50:alic,alice2";

class ResolveCredentials : public ::testing::Test {
  protected:
    void SetUp() override {
        m_etc = m_tree.root().string();
        write("passwd", kPasswd);
        write("group", kGroup);
    }
    void write(const std::string& name, const std::string& text) {
        std::ofstream out(m_etc + "/" + name, std::ios::binary);
        out << text;
        ASSERT_TRUE(out.good());
    }
    void remove(const std::string& name) { std::filesystem::remove(m_etc + "/" + name); }

    Credentials ok(const std::string& user, const std::string& group) {
        auto result = resolve_credentials(user, group, m_etc);
        if (!result.ok()) {
            ADD_FAILURE() << "user \"" << user << "\" group \"" << group
                          << "\": " << result.error().message;
            Credentials none;
            none.uid = none.gid = 9999;
            return none;
        }
        return *result;
    }
    std::string error(const std::string& user, const std::string& group) {
        auto result = resolve_credentials(user, group, m_etc);
        if (result.ok()) {
            ADD_FAILURE() << "user \"" << user << "\" group \"" << group << "\" resolved to uid "
                          << result->uid;
            return "";
        }
        return result.error().message;
    }

    TempTree m_tree;
    std::string m_etc;
};

TEST_F(ResolveCredentials, EmptyMeansRootWithoutReadingAnything) {
    auto creds = resolve_credentials("", "", m_etc + "/missing");
    ASSERT_TRUE(creds.ok()) << creds.error().message;
    EXPECT_EQ(creds->uid, 0u);
    EXPECT_EQ(creds->gid, 0u);
    EXPECT_THAT(creds->groups, IsEmpty());
}

TEST_F(ResolveCredentials, ByNameWithSupplementaryGroups) {
    Credentials alice = ok("alice", "");
    EXPECT_EQ(alice.uid, 1000u);
    EXPECT_EQ(alice.gid, 1000u);
    // Every group listing alice as a member, in file order; a member list
    // entry must match the whole name.
    EXPECT_THAT(alice.groups, ElementsAre(10u, 44u));

    Credentials bob = ok("bob", "");
    EXPECT_EQ(bob.uid, 1002u);
    EXPECT_EQ(bob.gid, 100u);
    EXPECT_THAT(bob.groups, ElementsAre(10u, 29u));

    Credentials root = ok("root", "");
    EXPECT_EQ(root.uid, 0u);
    EXPECT_EQ(root.gid, 0u);
    EXPECT_THAT(root.groups, IsEmpty());
}

TEST_F(ResolveCredentials, NamesMatchExactly) {
    Credentials alicia = ok("alicia", "");
    EXPECT_EQ(alicia.uid, 1003u);
    EXPECT_THAT(alicia.groups, ElementsAre(44u));
    EXPECT_EQ(error("ali", ""), "no user named ali in " + m_etc + "/passwd");
    EXPECT_EQ(error("Alice", ""), "no user named Alice in " + m_etc + "/passwd");
}

TEST_F(ResolveCredentials, ByNumberNeedsNoPasswdEntry) {
    Credentials numeric = ok("1000", "");
    EXPECT_EQ(numeric.uid, 1000u);
    // A numeric user is not looked up: its group is the same number and it
    // has no supplementary groups.
    EXPECT_EQ(numeric.gid, 1000u);
    EXPECT_THAT(numeric.groups, IsEmpty());

    remove("passwd");
    remove("group");
    Credentials unknown = ok("4242", "");
    EXPECT_EQ(unknown.uid, 4242u);
    EXPECT_EQ(unknown.gid, 4242u);
}

TEST_F(ResolveCredentials, PasswdEntryGivesNameHomeAndShell) {
    Credentials bob = ok("bob", "");
    EXPECT_TRUE(bob.has_passwd_entry);
    EXPECT_EQ(bob.name, "bob");
    EXPECT_EQ(bob.home, "/home/bob");
    EXPECT_EQ(bob.shell, "/bin/sh");
    // A number finds its entry too, for the name and home only.
    Credentials numeric = ok("1002", "");
    EXPECT_TRUE(numeric.has_passwd_entry);
    EXPECT_EQ(numeric.name, "bob");
    EXPECT_EQ(numeric.gid, 1002u);
    Credentials nobody = ok("4242", "");
    EXPECT_FALSE(nobody.has_passwd_entry);
    EXPECT_EQ(nobody.home, "");
    // Short entries leave what they lack empty.
    Credentials huge_line = ok("last", "");
    EXPECT_EQ(huge_line.home, "/");
    EXPECT_EQ(huge_line.shell, "/bin/sh");
}

TEST_F(ResolveCredentials, ExplicitGroupByName) {
    Credentials creds = ok("alice", "wheel");
    EXPECT_EQ(creds.uid, 1000u);
    EXPECT_EQ(creds.gid, 10u);
    EXPECT_THAT(creds.groups, ElementsAre(10u, 44u));

    Credentials root_audio = ok("", "audio");
    EXPECT_EQ(root_audio.uid, 0u);
    EXPECT_EQ(root_audio.gid, 29u);
    EXPECT_THAT(root_audio.groups, IsEmpty());

    Credentials numeric_user = ok("1234", "video");
    EXPECT_EQ(numeric_user.uid, 1234u);
    EXPECT_EQ(numeric_user.gid, 44u);
}

TEST_F(ResolveCredentials, ExplicitGroupByNumber) {
    Credentials creds = ok("bob", "44");
    EXPECT_EQ(creds.uid, 1002u);
    EXPECT_EQ(creds.gid, 44u);
    EXPECT_THAT(creds.groups, ElementsAre(10u, 29u));

    // A numeric group needs no group file.
    remove("group");
    Credentials root = ok("", "7");
    EXPECT_EQ(root.uid, 0u);
    EXPECT_EQ(root.gid, 7u);
}

TEST_F(ResolveCredentials, UnknownUserNamesTheFile) {
    EXPECT_EQ(error("mallory", ""), "no user named mallory in " + m_etc + "/passwd");
    // (uid_t)-1 is not a valid id, so it is taken as a name.
    EXPECT_EQ(error("4294967295", ""), "no user named 4294967295 in " + m_etc + "/passwd");
    EXPECT_EQ(error("-1", ""), "no user named -1 in " + m_etc + "/passwd");
}

TEST_F(ResolveCredentials, UnknownGroupNamesTheFile) {
    EXPECT_EQ(error("alice", "nogroup"), "no group named nogroup in " + m_etc + "/group");
    EXPECT_EQ(error("", "wheel2"), "no group named wheel2 in " + m_etc + "/group");
    EXPECT_EQ(error("", "4294967295"), "no group named 4294967295 in " + m_etc + "/group");
}

TEST_F(ResolveCredentials, MissingPasswdFileIsNamed) {
    remove("passwd");
    EXPECT_EQ(error("alice", ""), "cannot resolve user alice: cannot open " + m_etc +
                                      "/passwd: No such file or directory");
}

TEST_F(ResolveCredentials, MissingGroupFile) {
    remove("group");
    EXPECT_EQ(error("alice", "wheel"), "cannot resolve group wheel: cannot open " + m_etc +
                                           "/group: No such file or directory");
    // Without a group to look up, a missing group file only means no
    // supplementary groups.
    Credentials alice = ok("alice", "");
    EXPECT_EQ(alice.uid, 1000u);
    EXPECT_EQ(alice.gid, 1000u);
    EXPECT_THAT(alice.groups, IsEmpty());
}

TEST_F(ResolveCredentials, MalformedLinesAreSkipped) {
    // "svc" first appears on a line whose uid is not a number; the next,
    // well-formed entry is the one that counts.
    Credentials svc = ok("svc", "");
    EXPECT_EQ(svc.uid, 1001u);
    EXPECT_EQ(svc.gid, 1001u);
    // Too few fields: not an entry at all.
    EXPECT_EQ(error("short", ""), "no user named short in " + m_etc + "/passwd");
    // The uid is out of range.
    EXPECT_EQ(error("huge", ""), "no user named huge in " + m_etc + "/passwd");
    // The last line needs no newline.
    Credentials last = ok("last", "");
    EXPECT_EQ(last.uid, 1004u);
    EXPECT_EQ(last.gid, 1004u);
    // Groups: a bad gid, too few fields and commented-out lines are skipped.
    EXPECT_EQ(ok("", "dup").gid, 60u);
    EXPECT_EQ(error("", "twofields"), "no group named twofields in " + m_etc + "/group");
    EXPECT_EQ(error("", "broken"), "no group named broken in " + m_etc + "/group");
    EXPECT_EQ(error("", "# wheel"), "no group named # wheel in " + m_etc + "/group");
}

}  // namespace
}  // namespace fastinit
