// A trial boot: the state PID 1 keeps and the record `reboot --try` leaves
// (base/trial_boot.h), hostile text included, and PID 1's deadline logic
// (initd/pid1/trial_boot.h) with a fake clock and state writer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/boot_options.h"
#include "base/trial_boot.h"
#include "initd/pid1/trial_boot.h"

namespace fastinit {
namespace {

using ::testing::HasSubstr;

TEST(TrialState, RoundTripsAndRefusesDamage) {
    TrialState state{TrialStatus::blessed, 300, 1765000000};
    auto parsed = parse_trial_state(format_trial_state(state));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->status, TrialStatus::blessed);
    EXPECT_EQ(parsed->deadline_seconds, 300);
    EXPECT_EQ(parsed->deadline_epoch, 1765000000);
    for (const char* bad :
         {"", "status=maybe\ndeadline_seconds=1\ndeadline_epoch=1\n",
          "status=blessed\ndeadline_seconds=-1\ndeadline_epoch=1\n",
          "status=blessed\ndeadline_seconds=1x\ndeadline_epoch=1\n",
          "status=blessed\ndeadline_seconds=99999999999999999999\ndeadline_epoch=1\n",
          "status=blessed\nno equals\n", "status=blessed\ndeadline_seconds=1\n"})
        EXPECT_FALSE(parse_trial_state(bad)) << bad;
}

TEST(TrialState, DescribedForPeople) {
    TrialState state{TrialStatus::unblessed, 300, 1000};
    EXPECT_EQ(describe_trial(state, 760),
              "Trial boot: unblessed, 240 s left to `fastinit bless`, then a firmware reboot");
    EXPECT_THAT(describe_trial(state, 2000), HasSubstr("unblessed, 0 s left"));
    state.status = TrialStatus::blessed;
    EXPECT_EQ(describe_trial(state, 0), "Trial boot: blessed (this kernel stays)");
    state.status = TrialStatus::expired;
    EXPECT_THAT(describe_trial(state, 0), HasSubstr("not blessed in time"));
}

TEST(TrialRecord, RoundTripsOneValuePerLine) {
    TrialRecord record;
    record.kernel = "/boot/vmlinuz-6.1\nstatus=blessed";  // a hostile path stays one value
    record.cmdline = "root=/dev/vda1 panic=10 fastinit.try=300s";
    record.requested_epoch = 5;
    auto parsed = parse_trial_record(format_trial_record(record));
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->outcome, TrialOutcome::pending);
    EXPECT_EQ(parsed->kernel, "/boot/vmlinuz-6.1 status=blessed");
    EXPECT_EQ(parsed->cmdline, record.cmdline);
    EXPECT_EQ(parsed->requested_epoch, 5);
    EXPECT_EQ(parsed->settled_epoch, 0);
    EXPECT_FALSE(parse_trial_record("outcome=won\nrequested_epoch=1\nsettled_epoch=0\n"));
    EXPECT_FALSE(parse_trial_record(std::string(100, '\n')));  // too many lines
}

TEST(TrialBootOption, ADurationAboveZeroOrAnError) {
    auto options = [](const char* line) { return parse_boot_options(KernelCmdline::parse(line)); };
    EXPECT_EQ(options("fastinit.try=90s").trial, std::chrono::seconds(90));
    EXPECT_EQ(options("root=/dev/vda").trial, std::nullopt);
    for (const char* bad : {"fastinit.try=0", "fastinit.try=soon", "fastinit.try"}) {
        BootOptions o = options(bad);
        EXPECT_EQ(o.trial, std::nullopt) << bad;
        ASSERT_TRUE(o.trial_error) << bad;
        EXPECT_THAT(o.trial_error->message, HasSubstr("fastinit.try")) << bad;
    }
}

class TrialBootTest : public ::testing::Test {
  protected:
    TrialBoot start(Duration deadline) {
        return TrialBoot(deadline, TrialBoot::Clock::time_point(std::chrono::seconds(100)), 1000,
                         [this](const std::string& text) -> Result<void> {
                             writes.push_back(text);
                             if (fail_writes)
                                 return Error{"read-only"};
                             return ok_result();
                         });
    }
    TrialStatus last_written() {
        auto state = parse_trial_state(writes.back());
        EXPECT_TRUE(state);
        return state ? state->status : TrialStatus::expired;
    }
    std::vector<std::string> writes;
    bool fail_writes = false;
};

TEST_F(TrialBootTest, BlessedInTimeStays) {
    TrialBoot trial = start(std::chrono::milliseconds(2500));
    EXPECT_EQ(trial.deadline(), TrialBoot::Clock::time_point(std::chrono::milliseconds(102500)));
    EXPECT_EQ(trial.state().deadline_seconds, 3);
    EXPECT_EQ(trial.state().deadline_epoch, 1003);
    EXPECT_EQ(last_written(), TrialStatus::unblessed);
    auto blessed = trial.bless();
    ASSERT_TRUE(blessed);
    EXPECT_EQ(*blessed, "trial boot blessed");
    EXPECT_EQ(last_written(), TrialStatus::blessed);
    EXPECT_THAT(*trial.bless(), HasSubstr("already"));
    EXPECT_FALSE(trial.expire());  // the deadline passes harmlessly
    EXPECT_EQ(trial.state().status, TrialStatus::blessed);
}

TEST_F(TrialBootTest, UnblessedAtTheDeadlineRebootsAndALateBlessIsRefused) {
    TrialBoot trial = start(std::chrono::seconds(60));
    EXPECT_TRUE(trial.expire());
    EXPECT_EQ(last_written(), TrialStatus::expired);
    EXPECT_FALSE(trial.expire());  // once
    auto late = trial.bless();
    ASSERT_FALSE(late);
    EXPECT_THAT(late.error().message, HasSubstr("too late"));
}

TEST_F(TrialBootTest, AStateFileThatCannotBeWrittenChangesNothing) {
    fail_writes = true;
    TrialBoot trial = start(std::chrono::seconds(60));
    EXPECT_TRUE(trial.expire());
    EXPECT_EQ(trial.state().status, TrialStatus::expired);
}

}  // namespace
}  // namespace fastinit
