// LUKS in stage 1 (boot/luks.h): the crypttab and rd.luks.* parsed,
// hostile input bounded, and which devices are opened under which names
// with which key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "boot/luks.h"
#include "boot/luks_tpm2.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(Crypttab, ReadsEntriesKeyfilesAndOptions) {
    Crypttab table = parse_crypttab(
        "# comment\n"
        "\n"
        "cryptroot UUID=0b6d-11 /etc/keys/root.key luks,discard\n"
        "swap\t/dev/vdb2\tnone\n"
        "home PARTUUID=aa-bb -\n"
        "data LABEL=data\n");
    EXPECT_THAT(table.errors, IsEmpty());
    EXPECT_THAT(
        table.entries,
        ElementsAre(
            CrypttabEntry{"cryptroot", "UUID=0b6d-11", "/etc/keys/root.key", {"luks", "discard"}},
            CrypttabEntry{"swap", "/dev/vdb2", "", {}},
            CrypttabEntry{"home", "PARTUUID=aa-bb", "", {}},
            CrypttabEntry{"data", "LABEL=data", "", {}}));
}

TEST(Crypttab, BadLinesAreLeftOutWithAReason) {
    Crypttab table = parse_crypttab(
        "lonely\n"
        "a/b UUID=1\n"
        "root UUID=1 relative.key\n"
        "root UUID=1 none luks extra\n"
        "ok /dev/vda\n" +
        std::string(5000, 'x') + " /dev/vdb\n");
    EXPECT_THAT(table.entries, ElementsAre(CrypttabEntry{"ok", "/dev/vda", "", {}}));
    ASSERT_THAT(table.errors, SizeIs(5));
    EXPECT_THAT(table.errors[1], HasSubstr("not a device-mapper name"));
    EXPECT_THAT(table.errors[2], HasSubstr("not an absolute path"));
    EXPECT_THAT(table.errors[4], HasSubstr("longer than 4 KiB"));
}

TEST(Crypttab, AtMostSoManyEntries) {
    std::string text;
    for (int i = 0; i < 100; ++i)
        text += "c" + std::to_string(i) + " /dev/vd" + std::to_string(i) + "\n";
    Crypttab table = parse_crypttab(text);
    EXPECT_THAT(table.entries, SizeIs(kMaxCrypttabEntries));
    EXPECT_THAT(table.errors, ElementsAre(HasSubstr("more than 64 entries")));
}

TEST(LuksCmdlineParse, SystemdsSpellings) {
    LuksCmdline luks = parse_luks_cmdline(
        KernelCmdline::parse("root=/dev/mapper/vg-root rd.luks.uuid=0B6D-11 rd.luks.uuid=luks-22aa "
                             "rd.luks.name=33bb=cryptroot rd.luks.key=/etc/keys/all.key quiet"));
    EXPECT_FALSE(luks.disabled);
    EXPECT_THAT(luks.uuids, ElementsAre("0b6d-11", "22aa"));
    EXPECT_THAT(luks.names,
                ElementsAre(std::make_pair(std::string("33bb"), std::string("cryptroot"))));
    EXPECT_EQ(luks.key, "/etc/keys/all.key");
    EXPECT_THAT(luks.errors, IsEmpty());
    EXPECT_TRUE(parse_luks_cmdline(KernelCmdline::parse("rd.luks=0")).disabled);
    EXPECT_TRUE(parse_luks_cmdline(KernelCmdline::parse("rd.luks=no")).disabled);
    EXPECT_FALSE(parse_luks_cmdline(KernelCmdline::parse("rd.luks=1")).disabled);
}

TEST(LuksCmdlineParse, HostileWordsAreIgnoredWithBoundedErrors) {
    std::string cmdline =
        "rd.luks.uuid=not-hex! rd.luks.name=11=bad/name rd.luks.name=nouuid "
        "rd.luks.key=relative rd.luks.key=/k:UUID=1 rd.luks.frobnicate=1 "
        "rd.luks.uuid=" +
        std::string(500, 'a');
    for (int i = 0; i < 40; ++i)
        cmdline += " rd.luks.uuid=" + std::to_string(1000 + i);
    LuksCmdline luks = parse_luks_cmdline(KernelCmdline::parse(cmdline));
    EXPECT_THAT(luks.uuids, SizeIs(32));
    EXPECT_THAT(luks.names, IsEmpty());
    EXPECT_EQ(luks.key, "");
    EXPECT_THAT(luks.errors, SizeIs(7 + 8));
    for (const std::string& error : luks.errors)
        EXPECT_LE(error.size(), 200u) << error;
}

TEST(LuksPlanning, WithoutCrypttabOrUuidsEveryLuksDeviceIsOpened) {
    LuksPlan plan = plan_luks({}, parse_luks_cmdline(KernelCmdline::parse("rd.luks.key=/k")), {});
    EXPECT_TRUE(plan.scan);
    EXPECT_EQ(plan.key, "/k");
    EXPECT_THAT(plan.unlocks, IsEmpty());
}

TEST(LuksPlanning, RdLuksZeroOpensNothing) {
    Crypttab table = parse_crypttab("root UUID=11 none\n");
    LuksPlan plan =
        plan_luks(table, parse_luks_cmdline(KernelCmdline::parse("rd.luks=0")), {"root"});
    EXPECT_FALSE(plan.scan);
    EXPECT_THAT(plan.unlocks, IsEmpty());
}

TEST(LuksPlanning, TheCrypttabsEntriesWithoutNoautoAndTheirKeys) {
    Crypttab table = parse_crypttab(
        "root UUID=11 /etc/root.key\n"
        "later UUID=22 none noauto\n"
        "home UUID=33 none\n");
    LuksPlan plan = plan_luks(table, parse_luks_cmdline(KernelCmdline::parse("")), {});
    EXPECT_FALSE(plan.scan);
    EXPECT_THAT(plan.unlocks, ElementsAre(LuksUnlock{"root", "UUID=11", "/etc/root.key", {}},
                                          LuksUnlock{"home", "UUID=33", "", {}}));
    // rd.luks.key= is the key of those without one.
    plan = plan_luks(table, parse_luks_cmdline(KernelCmdline::parse("rd.luks.key=/all")), {});
    EXPECT_EQ(plan.unlocks[0].keyfile, "/etc/root.key");
    EXPECT_EQ(plan.unlocks[1].keyfile, "/all");
}

TEST(LuksPlanning, RdLuksUuidChoosesAmongTheCrypttabAndAddsTheOthers) {
    Crypttab table = parse_crypttab(
        "root UUID=11 none\n"
        "home UUID=33 none\n");
    LuksPlan plan = plan_luks(
        table, parse_luks_cmdline(KernelCmdline::parse("rd.luks.uuid=33 rd.luks.name=44=data")),
        {});
    EXPECT_THAT(plan.unlocks, ElementsAre(LuksUnlock{"home", "UUID=33", "", {}},
                                          LuksUnlock{"data", "UUID=44", "", {}}));
    plan = plan_luks({}, parse_luks_cmdline(KernelCmdline::parse("rd.luks.uuid=55")), {});
    EXPECT_FALSE(plan.scan);
    EXPECT_THAT(plan.unlocks, ElementsAre(LuksUnlock{"luks-55", "UUID=55", "", {}}));
}

TEST(LuksPlanning, TheRecordNamesExactlyWhatIsOpenedWithoutAScan) {
    Crypttab table = parse_crypttab(
        "root UUID=11 /k\n"
        "home UUID=33 none\n");
    LuksCmdline none = parse_luks_cmdline(KernelCmdline::parse(""));
    LuksPlan plan = plan_luks(table, none, {"root"});
    EXPECT_THAT(plan.unlocks, ElementsAre(LuksUnlock{"root", "UUID=11", "/k", {}}));
    EXPECT_EQ(plan.why, "the device cache's root record");
    plan = plan_luks({}, none, {"luks-0b6d-11"});
    EXPECT_FALSE(plan.scan);
    EXPECT_THAT(plan.unlocks, ElementsAre(LuksUnlock{"luks-0b6d-11", "UUID=0b6d-11", "", {}}));
    // A recorded name nothing can place: planned as without a record.
    plan = plan_luks({}, none, {"mystery"});
    EXPECT_TRUE(plan.scan);
}

TEST(LuksPassphrase, ThePromptAndASecretsBound) {
    EXPECT_EQ(passphrase_prompt({"root", "UUID=11", "", {}}),
              "Please enter passphrase for disk root (UUID=11): ");
    Secret secret;
    for (size_t i = 0; i < Secret::kMaxSize; ++i)
        EXPECT_TRUE(secret.push_back('x'));
    EXPECT_FALSE(secret.push_back('y'));
    EXPECT_EQ(secret.size(), Secret::kMaxSize);
    Secret moved = std::move(secret);
    EXPECT_EQ(std::string(moved.data(), moved.size()), std::string(Secret::kMaxSize, 'x'));
}

TEST(LuksTpm2, OnlyATpm2DeviceOptionAsksForTheTpm) {
    EXPECT_TRUE(wants_tpm2({"discard", "tpm2-device=auto"}));
    EXPECT_TRUE(wants_tpm2({"tpm2-device=/dev/tpmrm0"}));
    EXPECT_FALSE(wants_tpm2({"tpm2-pcrs=7", "luks"}));
    EXPECT_FALSE(wants_tpm2({}));
}

TEST(LuksTpm2, SystemdCryptsetupNeverAsksAndWaitsBoundedForTheTpm) {
    LuksUnlock unlock{"root", "/dev/vdb", "", {"tpm2-device=auto", "headless=false", "discard"}};
    EXPECT_THAT(tpm2_attach_argv("/usr/lib/systemd/systemd-cryptsetup", unlock),
                ElementsAre("/usr/lib/systemd/systemd-cryptsetup", "attach", "root", "/dev/vdb",
                            "-", "tpm2-device=auto,discard,token-timeout=10s,headless=true"));
    unlock.options = {"tpm2-device=auto", "tpm2-pcrs=7", "token-timeout=3s", "headless"};
    EXPECT_EQ(tpm2_attach_argv("sc", unlock).back(),
              "tpm2-device=auto,tpm2-pcrs=7,token-timeout=3s,headless=true");
}

TEST(LuksTpm2, TheFailuresReasonIsItsLastWordOnTheTpm) {
    EXPECT_EQ(tpm2_failure_reason("Set cipher aes.\nFailed to unseal secret using TPM2: No such "
                                  "device\nTPM2 operation failed, falling back to traditional "
                                  "unlocking.\nPassword querying disabled via 'headless'.\n"),
              "TPM2 operation failed, falling back to traditional unlocking.");
    EXPECT_EQ(tpm2_failure_reason("Device busy\n"), "Device busy");
    EXPECT_EQ(tpm2_failure_reason(""), "");
}

}  // namespace
}  // namespace fastinit
