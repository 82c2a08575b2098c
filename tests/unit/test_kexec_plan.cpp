// kexec/: the reboot sequence with a fake loader and a fake manager — nothing
// is stopped before the kernel is loaded — plus the command line's sources
// and the --dry-run text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "kexec/describe.h"
#include "kexec/reboot_plan.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string contents(int fd) {
    std::string data;
    char buffer[4096];
    off_t offset = 0;
    for (ssize_t n; (n = ::pread(fd, buffer, sizeof buffer, offset)) > 0; offset += n)
        data.append(buffer, static_cast<size_t>(n));
    return data;
}

// Records every call in a log shared with the fake manager, so tests see the
// order of loads and reboot requests.
class FakeKexecLoader : public KexecLoader {
  public:
    explicit FakeKexecLoader(std::vector<std::string>& log) : m_log(log) {}

    int load_errno = 0;
    int unload_errno = 0;
    bool loaded = false;
    bool status_unknown = false;
    std::string kernel_bytes, initrd_bytes, cmdline, extra;

    Result<void> load(int kernel_fd, int initrd_fd, const std::string& line,
                      std::string_view extra_initrd) override {
        m_log.push_back("load");
        kernel_bytes = contents(kernel_fd);
        initrd_bytes = initrd_fd >= 0 ? contents(initrd_fd) : "(none)";
        cmdline = line;
        extra = std::string(extra_initrd);
        if (load_errno)
            return Error{decode_kexec_errno(load_errno), load_errno};
        loaded = true;
        return ok_result();
    }
    Result<void> unload() override {
        m_log.push_back("unload");
        if (unload_errno)
            return Error{"cannot unload", unload_errno};
        loaded = false;
        return ok_result();
    }
    Result<bool> is_loaded() override {
        if (status_unknown)
            return Error{"no sysfs"};
        return loaded;
    }

  private:
    std::vector<std::string>& m_log;
};

class FakeManager : public RebootRequester {
  public:
    explicit FakeManager(std::vector<std::string>& log) : m_log(log) {}
    bool refuse = false;
    Result<void> request_reboot(PowerAction mode) override {
        m_log.push_back("reboot " + std::string(to_string(mode)));
        if (refuse)
            return Error{"only root may reboot or power off"};
        return ok_result();
    }

  private:
    std::vector<std::string>& m_log;
};

class PlanTest : public ::testing::Test {
  protected:
    PlanTest() : loader(log), manager(log) {
        request.places.boot_dir = tree.path("boot");
        request.places.root_dir = tree.root();
        request.places.running_release = "6.1.0-18-amd64";
        request.config_path = tree.path("kexec.toml").string();
        request.proc_cmdline_path =
            tree.write("cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet\n").string();
        tree.write("boot/vmlinuz", "KERNEL");
        tree.write("boot/initrd.img", "INITRD");
    }
    TempTree tree;
    std::vector<std::string> log;
    FakeKexecLoader loader;
    FakeManager manager;
    KexecRequest request;
};

// ---- --try: a trial boot's command line -----------------------------------------

TEST_F(PlanTest, ATrialAddsPanicAndItsDeadlineReplacingAnyPanic) {
    tree.write("cmdline",
               "BOOT_IMAGE=/vmlinuz root=/dev/vda1 panic=0 fastinit.try=1s -- init-arg\n");
    TrialRequest trial;
    trial.panic_seconds = 7;
    trial.deadline = std::chrono::seconds(90);
    request.trial = trial;
    request.options.appends = {"panic=3 quiet"};
    auto prepared = resolve_kexec(request);
    ASSERT_TRUE(prepared) << prepared.error().message;
    // The earlier panic= words go, whoever wrote them; the words go before "--".
    EXPECT_EQ(prepared->cmdline.text, "root=/dev/vda1 quiet panic=7 fastinit.try=90s -- init-arg");
    EXPECT_THAT(prepared->cmdline.dropped, ElementsAre("BOOT_IMAGE=/vmlinuz", "fastinit.try=1s"));
    EXPECT_THAT(prepared->cmdline_source, HasSubstr("--try"));

    // Without --try, an inherited fastinit.try= is one boot's and goes too.
    request.trial.reset();
    request.options.appends.clear();
    prepared = resolve_kexec(request);
    ASSERT_TRUE(prepared);
    EXPECT_EQ(prepared->cmdline.text, "root=/dev/vda1 panic=0 -- init-arg");
}

TEST(TrialWords, DeadlineInWholeSecondsRoundedUp) {
    TrialRequest trial;
    EXPECT_THAT(trial_words(trial), ElementsAre("panic=10", "fastinit.try=300s"));
    trial.deadline = std::chrono::milliseconds(1500);
    EXPECT_THAT(trial_words(trial), ElementsAre("panic=10", "fastinit.try=2s"));
}

// ---- the steps ------------------------------------------------------------------

TEST(RebootSteps, NothingStopsBeforeTheKernelIsLoaded) {
    auto kexec = reboot_steps(PowerAction::kexec);
    auto at = [&](RebootStep step) { return std::find(kexec.begin(), kexec.end(), step); };
    ASSERT_NE(at(RebootStep::load_kernel), kexec.end());
    EXPECT_LT(at(RebootStep::load_kernel), at(RebootStep::stop_units));
    EXPECT_EQ(kexec.back(), RebootStep::firmware_reboot_if_returned);

    EXPECT_EQ(reboot_steps(PowerAction::reboot).front(), RebootStep::unload_kernel);
    EXPECT_THAT(reboot_steps(PowerAction::poweroff),
                ElementsAre(RebootStep::stop_units, RebootStep::kill_remaining,
                            RebootStep::sync_filesystems, RebootStep::unmount_filesystems,
                            RebootStep::final_call));
    EXPECT_THAT(describe(RebootStep::final_call, PowerAction::kexec),
                HasSubstr("LINUX_REBOOT_CMD_KEXEC"));
    EXPECT_THAT(describe(RebootStep::final_call, PowerAction::halt),
                HasSubstr("LINUX_REBOOT_CMD_HALT"));
}

TEST(PowerAction, NamesRoundTrip) {
    for (PowerAction mode : kPowerActions)
        EXPECT_EQ(parse_power_action(to_string(mode)), mode);
    EXPECT_EQ(parse_power_action("warm"), std::nullopt);
    // The bus says "cold" for a firmware reboot; logs and people say reboot.
    EXPECT_EQ(to_string(PowerAction::reboot), "cold");
    EXPECT_STREQ(verb(PowerAction::reboot), "reboot");
    EXPECT_STREQ(verb(PowerAction::kexec), "kexec");
}

// ---- kexec_reboot ---------------------------------------------------------------

TEST_F(PlanTest, LoadedThenKexecRequested) {
    request.reprobe = true;
    request.extra_initrd = "CPIO";
    auto outcome = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_EQ(outcome->requested, PowerAction::kexec);
    EXPECT_FALSE(outcome->kexec_error);
    ASSERT_TRUE(outcome->loaded);
    EXPECT_EQ(outcome->loaded->choice.rule, SelectionRule::debian_links);
    EXPECT_EQ(loader.kernel_bytes, "KERNEL");
    EXPECT_EQ(loader.initrd_bytes, "INITRD");
    EXPECT_EQ(loader.cmdline, "root=/dev/vda1 ro quiet fastinit.reprobe");
    EXPECT_EQ(loader.extra, "CPIO");
}

TEST_F(PlanTest, ALoadFailureFallsBackToAColdRebootAndSaysWhy) {
    loader.load_errno = EKEYREJECTED;
    auto outcome = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_THAT(log, ElementsAre("load", "reboot cold"));
    EXPECT_EQ(outcome->requested, PowerAction::reboot);
    ASSERT_TRUE(outcome->kexec_error);
    EXPECT_EQ(outcome->kexec_error->errno_value, EKEYREJECTED);
    EXPECT_THAT(outcome->kexec_error->message,
                HasSubstr("cannot load " + tree.path("boot/vmlinuz").string() + ": "));
    EXPECT_THAT(outcome->kexec_error->message, HasSubstr("signature"));
}

TEST_F(PlanTest, TheCallerHearsTheOutcomeBeforeTheManagerIsAsked) {
    loader.load_errno = EKEYREJECTED;
    auto outcome =
        kexec_reboot(request, Fallback::cold_reboot, loader, manager, [&](const RebootOutcome& o) {
            log.push_back("told " + std::string(to_string(o.requested)) +
                          (o.kexec_error ? " with the reason" : ""));
        });
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_THAT(log, ElementsAre("load", "told cold with the reason", "reboot cold"));
}

TEST_F(PlanTest, NoFallbackMeansNothingRequested) {
    loader.load_errno = ENOEXEC;
    auto outcome = kexec_reboot(request, Fallback::none, loader, manager);
    ASSERT_FALSE(outcome);
    EXPECT_THAT(log, ElementsAre("load"));
    EXPECT_EQ(outcome.error().errno_value, ENOEXEC);
    EXPECT_THAT(outcome.error().message, HasSubstr("not a kernel image"));
}

TEST_F(PlanTest, NoKernelToChooseIsALoadFailureToo) {
    std::filesystem::remove(tree.path("boot/vmlinuz"));
    auto cold = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(cold);
    EXPECT_THAT(log, ElementsAre("reboot cold"));
    ASSERT_TRUE(cold->kexec_error);
    EXPECT_THAT(cold->kexec_error->message, HasSubstr("no kernel to load"));

    log.clear();
    auto none = kexec_reboot(request, Fallback::none, loader, manager);
    ASSERT_FALSE(none);
    EXPECT_THAT(log, IsEmpty());

    tree.write("kexec.toml", "kernal = \"x\"\n");
    tree.write("boot/vmlinuz", "KERNEL");
    auto bad_config = kexec_reboot(request, Fallback::none, loader, manager);
    ASSERT_FALSE(bad_config);
    EXPECT_THAT(bad_config.error().message, HasSubstr("kexec.toml:1:1: kernal: unknown key"));
    EXPECT_THAT(log, IsEmpty());
}

TEST_F(PlanTest, AManagerRefusalIsAnError) {
    manager.refuse = true;
    auto outcome = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_FALSE(outcome);
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_THAT(outcome.error().message, HasSubstr("refused Reboot(\"kexec\")"));

    log.clear();
    loader.load_errno = ENOMEM;
    auto cold = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_FALSE(cold);
    EXPECT_THAT(cold.error().message, HasSubstr("not enough memory"));
    EXPECT_THAT(cold.error().message, HasSubstr("refused Reboot(\"cold\")"));
}

TEST_F(PlanTest, SeveralInitrdsReachTheLoaderAsOne) {
    tree.write("boot/vmlinuz-7", "K7");
    tree.write("boot/ucode.img", "UCODE");  // 5 bytes: padded to 8
    tree.write("boot/initrd.img-7", "MAIN");
    tree.write("boot/loader/entries/seven.conf",
               "linux /vmlinuz-7\ninitrd /ucode.img\ninitrd /initrd.img-7\noptions root=LABEL=x\n");
    auto outcome = kexec_reboot(request, Fallback::none, loader, manager);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_EQ(loader.kernel_bytes, "K7");
    EXPECT_EQ(loader.initrd_bytes, std::string("UCODE\0\0\0MAIN", 12));
    EXPECT_EQ(loader.cmdline, "root=LABEL=x");
}

// ---- reusing a kernel staged by `fastinit kexec load` ---------------------------

TEST_F(PlanTest, RebootReusesAnUnchangedStagedKernel) {
    request.staged_record_path = tree.path("run/kexec-staged.json").string();
    request.extra_initrd = "CPIO";
    auto staged = prepare_kexec(request, loader);  // `fastinit kexec load`
    ASSERT_TRUE(staged) << staged.error().message;
    EXPECT_FALSE(staged->record_error);
    EXPECT_TRUE(std::filesystem::exists(request.staged_record_path));
    EXPECT_TRUE(judge_staged_kernel(request, *staged, loader).reuse);

    auto outcome = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_TRUE(outcome->staged.reuse);
    EXPECT_EQ(outcome->requested, PowerAction::kexec);
    ASSERT_TRUE(outcome->loaded);
    EXPECT_EQ(outcome->loaded->cmdline.text, "root=/dev/vda1 ro quiet");
}

TEST_F(PlanTest, RebootLoadsAgainWhenTheStagedKernelIsStale) {
    request.staged_record_path = tree.path("run/kexec-staged.json").string();
    request.extra_initrd = "CPIO";
    ASSERT_TRUE(prepare_kexec(request, loader));

    request.options.appends.push_back("debug");
    auto appended = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(appended) << appended.error().message;
    EXPECT_THAT(log, ElementsAre("load", "load", "reboot kexec"));
    EXPECT_FALSE(appended->staged.reuse);
    EXPECT_TRUE(appended->staged.had_record);
    EXPECT_EQ(appended->staged.reason, "the command line changed");
    EXPECT_EQ(loader.cmdline, "root=/dev/vda1 ro quiet debug");

    // That load recorded itself: the same reboot again loads nothing.
    log.clear();
    ASSERT_TRUE(kexec_reboot(request, Fallback::cold_reboot, loader, manager));
    EXPECT_THAT(log, ElementsAre("reboot kexec"));

    log.clear();
    request.extra_initrd = "CPIO, newer";
    auto cache = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(cache);
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_EQ(cache->staged.reason, "the device cache changed");
    EXPECT_EQ(loader.extra, "CPIO, newer");

    log.clear();
    loader.loaded = false;  // unloaded behind our back: the record is ignored
    auto gone = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(gone);
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_EQ(gone->staged.reason, "no kernel is staged any more");
}

TEST_F(PlanTest, AFailedLoadLeavesNoRecordBehind) {
    request.staged_record_path = tree.path("run/kexec-staged.json").string();
    ASSERT_TRUE(prepare_kexec(request, loader));
    request.options.appends.push_back("debug");
    loader.load_errno = ENOMEM;
    ASSERT_FALSE(kexec_reboot(request, Fallback::none, loader, manager));
    EXPECT_FALSE(std::filesystem::exists(request.staged_record_path));
}

TEST_F(PlanTest, WithoutARecordPathEveryRebootLoads) {
    loader.loaded = true;
    auto outcome = kexec_reboot(request, Fallback::cold_reboot, loader, manager);
    ASSERT_TRUE(outcome);
    EXPECT_THAT(log, ElementsAre("load", "reboot kexec"));
    EXPECT_FALSE(outcome->staged.reuse);
    EXPECT_FALSE(outcome->staged.had_record);
}

// ---- cold_reboot ----------------------------------------------------------------

TEST_F(PlanTest, ColdRebootUnloadsAStagedKernelFirst) {
    loader.loaded = true;
    auto outcome = cold_reboot(loader, manager);
    ASSERT_TRUE(outcome);
    EXPECT_THAT(log, ElementsAre("unload", "reboot cold"));
    EXPECT_FALSE(outcome->unload_error);

    log.clear();
    auto nothing_staged = cold_reboot(loader, manager);
    ASSERT_TRUE(nothing_staged);
    EXPECT_THAT(log, ElementsAre("reboot cold"));
}

TEST_F(PlanTest, ColdRebootGoesOnWhenUnloadFails) {
    loader.status_unknown = true;
    loader.unload_errno = EPERM;
    auto outcome = cold_reboot(loader, manager);
    ASSERT_TRUE(outcome);
    EXPECT_THAT(log, ElementsAre("unload", "reboot cold"));
    ASSERT_TRUE(outcome->unload_error);
    EXPECT_EQ(outcome->unload_error->errno_value, EPERM);

    manager.refuse = true;
    auto refused = cold_reboot(loader, manager);
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, HasSubstr("refused Reboot(\"cold\")"));
}

// ---- where the command line comes from --------------------------------------------

TEST_F(PlanTest, CommandLineSources) {
    auto resolved = resolve_kexec(request);
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_EQ(resolved->cmdline.text, "root=/dev/vda1 ro quiet");
    EXPECT_THAT(resolved->cmdline.dropped, ElementsAre("BOOT_IMAGE=/vmlinuz"));
    EXPECT_EQ(resolved->cmdline_source, request.proc_cmdline_path);

    tree.write("kexec.toml", "cmdline = \"root=/dev/vdb1 BOOT_IMAGE=kept\"\nappend = \"a=1\"\n");
    request.options.appends = {"b=\"2 3\""};
    resolved = resolve_kexec(request);
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_EQ(resolved->cmdline.text, "root=/dev/vdb1 BOOT_IMAGE=kept a=1 b=\"2 3\"");
    EXPECT_EQ(resolved->cmdline_source, "cmdline in " + request.config_path + " + append in " +
                                            request.config_path + " + --append");

    request.options.cmdline = "console=ttyS0";
    resolved = resolve_kexec(request);
    ASSERT_TRUE(resolved);
    EXPECT_EQ(resolved->cmdline.text, "console=ttyS0 a=1 b=\"2 3\"");

    request.proc_cmdline_path = tree.path("missing").string();
    request.options.cmdline.reset();
    std::filesystem::remove(tree.path("kexec.toml"));
    EXPECT_FALSE(resolve_kexec(request));
}

// ---- the --dry-run text -------------------------------------------------------------

TEST(FormatKexecChoice, SaysWhatWhyAndWhatWasLeftOut) {
    PreparedKexec prepared;
    prepared.choice.kernel = "/vmlinuz";
    prepared.choice.kernel_target = "/boot/vmlinuz-6.1";
    prepared.choice.initrds = {"/boot/ucode.img", "/boot/initrd.img-6.1"};
    prepared.choice.rule = SelectionRule::debian_links;
    prepared.choice.reason = "/vmlinuz";
    prepared.choice.notes = {"skipped loader/entries/x.conf: no \"linux\" line"};
    prepared.cmdline.text = "root=/dev/vda1 foo=\"a b\"";
    prepared.cmdline.dropped = {"BOOT_IMAGE=/vmlinuz"};
    prepared.cmdline_source = "/proc/cmdline";
    prepared.extra_initrd_bytes = 512;
    EXPECT_EQ(format_kexec_choice(prepared),
              "kernel:       /vmlinuz -> /boot/vmlinuz-6.1\n"
              "initrd:       /boot/ucode.img + /boot/initrd.img-6.1 + 512 bytes appended\n"
              "cmdline:      root=/dev/vda1 foo=\"a b\"\n"
              "chosen by:    debian links: /vmlinuz\n"
              "cmdline from: /proc/cmdline\n"
              "dropped:      BOOT_IMAGE=/vmlinuz (one-shot)\n"
              "note:         skipped loader/entries/x.conf: no \"linux\" line\n");

    PreparedKexec bare;
    bare.choice.kernel = "/k";
    bare.cmdline_source = "--cmdline";
    EXPECT_THAT(format_kexec_choice(bare), HasSubstr("initrd:       (none)\n"));
}

TEST(FormatRebootSteps, NumberedInOrder) {
    std::string steps = format_reboot_steps(PowerAction::kexec);
    EXPECT_EQ(steps.rfind("1. choose the next kernel", 0), 0u);
    EXPECT_LT(steps.find("load them"), steps.find("stop units"));
    EXPECT_THAT(steps, HasSubstr("8. if the jump returns"));
}

}  // namespace
}  // namespace fastinit
