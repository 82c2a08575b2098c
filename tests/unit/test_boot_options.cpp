// base/boot_options.h: every fastinit.* kernel option, and the one rule for
// booleans.
#include <gtest/gtest.h>

#include <chrono>

#include "base/boot_options.h"
#include "device-cache/apply.h"

namespace fastinit {
namespace {

BootOptions parse(const char* text) {
    return parse_boot_options(KernelCmdline::parse(text));
}

TEST(BootOptions, DefaultsWhenNothingIsGiven) {
    BootOptions options = parse("root=/dev/vda quiet");
    EXPECT_FALSE(options.debug);
    EXPECT_FALSE(options.reprobe);
    EXPECT_EQ(options.device_cache, paths::kDeviceCache);
    EXPECT_EQ(options.handoff, "");
    EXPECT_EQ(options.target, "");
    EXPECT_FALSE(options.root_timeout.has_value());
    EXPECT_FALSE(options.root_timeout_error.has_value());
}

TEST(BootOptions, InitIsTheHandoffAndFastinitHandoffWins) {
    EXPECT_EQ(parse("root=/dev/vda init=/lib/systemd/systemd").handoff, "/lib/systemd/systemd");
    EXPECT_EQ(parse("init=/bin/sh fastinit.handoff=/sbin/mine").handoff, "/sbin/mine");
    EXPECT_EQ(parse("fastinit.handoff=/sbin/mine init=/bin/sh").handoff, "/sbin/mine");
    // An empty fastinit.handoff= names nothing: init= still counts.
    EXPECT_EQ(parse("fastinit.handoff= init=/bin/sh").handoff, "/bin/sh");
    // initrd= and rdinit= are other options.
    EXPECT_EQ(parse("initrd=/boot/x.img rdinit=/init").handoff, "");
}

TEST(BootOptions, EveryOption) {
    BootOptions options = parse(
        "fastinit.debug fastinit.reprobe fastinit.device_cache=/etc/d.db "
        "fastinit.handoff=/bin/sh fastinit.target=rescue fastinit.root_timeout=5s");
    EXPECT_TRUE(options.debug);
    EXPECT_TRUE(options.reprobe);
    EXPECT_EQ(options.device_cache, "/etc/d.db");
    EXPECT_EQ(options.handoff, "/bin/sh");
    EXPECT_EQ(options.target, "rescue");
    ASSERT_TRUE(options.root_timeout.has_value());
    EXPECT_EQ(*options.root_timeout, std::chrono::seconds(5));
}

TEST(BootOptions, JournalSize) {
    EXPECT_EQ(parse("fastinit.journal_size=4M").journal_size, 4u << 20);
    EXPECT_FALSE(parse("").journal_size);
    BootOptions bad = parse("fastinit.journal_size=huge");
    EXPECT_FALSE(bad.journal_size);
    ASSERT_TRUE(bad.journal_size_error);
    EXPECT_EQ(bad.journal_size_error->message, "fastinit.journal_size: \"huge\" is not a size");
}

TEST(BootOptions, SingleUserWordsPickRescueOrEmergency) {
    for (const char* word : {"rescue", "single", "s", "S", "1"})
        EXPECT_EQ(parse((std::string("root=/dev/vda ro ") + word).c_str()).target, "rescue")
            << word;
    for (const char* word : {"emergency", "-b"})
        EXPECT_EQ(parse((std::string("quiet ") + word).c_str()).target, "emergency") << word;
    EXPECT_EQ(parse("single emergency").target, "emergency") << "the smaller system wins";
    EXPECT_EQ(parse("single fastinit.target=multi-user").target, "multi-user");
    // Only whole words: these are other options.
    EXPECT_EQ(parse("root=/dev/sda1 console=ttyS1 rescue_mode=x systemd.s=1").target, "");
}

TEST(BootOptions, OneRuleForEveryBoolean) {
    for (const char* on : {"", "=1", "=yes", "=true", "=on", "=anything"})
        for (const char* key : {"fastinit.debug", "fastinit.reprobe"}) {
            std::string text = std::string(key) + on;
            EXPECT_TRUE(boot_flag(KernelCmdline::parse(text), key)) << text;
        }
    for (const char* off : {"=0", "=no", "=false", "=off"}) {
        std::string text = std::string("fastinit.debug") + off + " fastinit.reprobe" + off;
        EXPECT_FALSE(parse(text.c_str()).debug) << text;
        EXPECT_FALSE(parse(text.c_str()).reprobe) << text;
    }
    // The last value given decides.
    EXPECT_FALSE(parse("fastinit.reprobe=1 fastinit.reprobe=0").reprobe);
    EXPECT_TRUE(parse("fastinit.reprobe=0 fastinit.reprobe=1").reprobe);
    // A longer word is another option.
    EXPECT_FALSE(parse("fastinit.reprobed").reprobe);
}

TEST(BootOptions, DevicesApplyReadsReprobeByTheSameRule) {
    EXPECT_FALSE(reprobe_requested(KernelCmdline::parse("fastinit.reprobe=0")));
    EXPECT_TRUE(reprobe_requested(KernelCmdline::parse("fastinit.reprobe")));
}

TEST(BootOptions, BadValuesKeepTheDefaultAndSayWhy) {
    BootOptions options = parse("fastinit.root_timeout=soon fastinit.device_cache=");
    EXPECT_FALSE(options.root_timeout.has_value());
    ASSERT_TRUE(options.root_timeout_error.has_value());
    EXPECT_EQ(options.root_timeout_error->message.rfind("fastinit.root_timeout: ", 0), 0u);
    EXPECT_EQ(options.device_cache, paths::kDeviceCache) << "an empty path names no file";
}

TEST(BootOptions, Watchdogs) {
    using namespace std::chrono_literals;
    BootOptions none = parse("");
    EXPECT_FALSE(none.watchdog);
    EXPECT_FALSE(none.reboot_watchdog);
    BootOptions on = parse("fastinit.watchdog=30s fastinit.reboot_watchdog=10min");
    EXPECT_EQ(on.watchdog, Duration(30s));
    EXPECT_EQ(on.reboot_watchdog, Duration(10min));
    BootOptions off = parse("fastinit.watchdog=off fastinit.reboot_watchdog=0");
    EXPECT_EQ(off.watchdog, Duration(0));
    EXPECT_EQ(off.reboot_watchdog, Duration(0));
    BootOptions bad = parse("fastinit.watchdog=soon fastinit.reboot_watchdog=400d");
    EXPECT_FALSE(bad.watchdog);
    EXPECT_FALSE(bad.reboot_watchdog);
    ASSERT_EQ(bad.watchdog_errors.size(), 2u);
    EXPECT_NE(bad.watchdog_errors[0].message.find("fastinit.watchdog: invalid duration"),
              std::string::npos);
    EXPECT_NE(bad.watchdog_errors[1].message.find("fastinit.reboot_watchdog"), std::string::npos);
}

}  // namespace
}  // namespace fastinit
