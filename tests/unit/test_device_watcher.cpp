// The real device look-ups and watcher: presence on a temporary tree and
// the loopback interface, and the watcher on a real sd-event loop reporting
// a path that appears later exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <systemd/sd-event.h>

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <thread>

#include "initd/run/device_watcher.h"
#include "tests/unit/temp_tree.h"

namespace fastinit {
namespace {

using ::testing::ElementsAre;

TEST(DevicePresence, PathsAndInterfaces) {
    TempTree tree;
    auto file = tree.write("dev/vdb", "");
    DevicePresence presence;
    EXPECT_TRUE(presence.present(file.string()));
    EXPECT_FALSE(presence.present(tree.path("dev/vdc").string()));
    EXPECT_TRUE(presence.present("net:lo"));
    EXPECT_FALSE(presence.present("net:fi-nosuch0"));
    EXPECT_FALSE(presence.present("LABLE=x")) << "a spec that does not parse is never there";
}

TEST(DevicePresence, TagsByTheirUdevLink) {
    TempTree tree;
    tree.write("run/udev/control", "");  // udevd runs: links are the answer
    tree.write("dev/vdb", "");
    tree.link("dev/disk/by-label/my\\x20data", tree.path("dev/vdb").string());
    tree.link("dev/disk/by-uuid/0a1b-2c3d", tree.path("dev/vdb").string());
    DevicePresence presence(
        {.root = tree.root().string(), .udev_control = "/run/udev/control", .lookup_tag = {}});
    EXPECT_TRUE(presence.present("LABEL=my data"));
    EXPECT_TRUE(presence.present("UUID=0a1b-2c3d"));
    EXPECT_FALSE(presence.present("LABEL=other"));
    EXPECT_FALSE(presence.present("PARTUUID=0a1b-2c3d"));
}

bool readable_within(int fd, std::chrono::milliseconds limit) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
}

TEST(DevicePresence, ATagWithoutUdevdIsLookedUpOnAWorkerNeverOnTheCaller) {
    TempTree tree;  // no udevd control socket, no links
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<int> lookups{0};
    std::atomic<bool> on_caller{false};
    const auto caller = std::this_thread::get_id();
    DevicePresence presence({.root = tree.root().string(),
                             .lookup_tag = [&](const std::string& tag, const std::string& value) {
                                 on_caller = on_caller || std::this_thread::get_id() == caller;
                                 ++lookups;
                                 released.wait();  // a disk that hangs
                                 return tag == "LABEL" && value == "data";
                             }});
    EXPECT_EQ(presence.wake_fd(), -1) << "no worker before a tag needs one";
    // The lookup hangs; the caller gets "not yet" at once, as often as it asks.
    for (int i = 0; i < 3; ++i)
        EXPECT_FALSE(presence.present("LABEL=data"));
    ASSERT_GE(presence.wake_fd(), 0);
    EXPECT_FALSE(readable_within(presence.wake_fd(), std::chrono::milliseconds(50)));
    release.set_value();
    ASSERT_TRUE(readable_within(presence.wake_fd(), std::chrono::seconds(5)));
    presence.drain_wake_fd();
    EXPECT_TRUE(presence.present("LABEL=data"));
    EXPECT_TRUE(presence.present("LABEL=data")) << "the answer holds until a new cue";
    EXPECT_EQ(lookups.load(), 1) << "asked three times while in flight, looked up once";
    EXPECT_FALSE(on_caller.load());
    // A new cue: asked again; a tag nobody has stays absent.
    presence.forget_answers();
    EXPECT_FALSE(presence.present("LABEL=data"));
    EXPECT_FALSE(presence.present("LABEL=other"));
    ASSERT_TRUE(readable_within(presence.wake_fd(), std::chrono::seconds(5)));
    for (int i = 0; i < 250 && lookups.load() < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    presence.drain_wake_fd();
    EXPECT_EQ(lookups.load(), 3);
    for (int i = 0; i < 250 && !presence.present("LABEL=data"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(presence.present("LABEL=data"));
    EXPECT_FALSE(presence.present("LABEL=other"));
}

class Loop {
  public:
    Loop() { sd_event_new(&event); }
    ~Loop() { sd_event_unref(event); }
    // Runs the loop until `done` or the deadline.
    template <typename Done>
    bool run_until(Done done, std::chrono::milliseconds limit) {
        auto until = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < until)
            sd_event_run(event, 20000);
        return done();
    }
    sd_event* event = nullptr;
};

TEST(DeviceWatcher, ReportsAPathThatAppearsLaterOnceAndStopsLooking) {
    TempTree tree;
    Loop loop;
    DeviceWatcherOptions options;
    options.recheck_interval = std::chrono::milliseconds(20);
    options.use_monitor = false;
    UdevDeviceWatcher watcher(loop.event, options);
    std::vector<std::string> reported, problems;
    watcher.report_to([&](const std::string& spec) { reported.push_back(spec); },
                      [&](const std::string& problem) { problems.push_back(problem); });
    std::string path = tree.path("dev/late").string();
    std::string never = tree.path("dev/never").string();
    watcher.watch(path);
    watcher.watch(never);
    watcher.watch(path);  // twice is once
    EXPECT_EQ(watcher.watched(), 2u);
    EXPECT_TRUE(problems.empty()) << "turned off by the caller is no problem to report";
    EXPECT_EQ(watcher.monitor_problem(), "the udev monitor is turned off");

    loop.run_until([] { return false; }, std::chrono::milliseconds(60));
    EXPECT_TRUE(reported.empty());
    tree.write("dev/late", "");
    ASSERT_TRUE(loop.run_until([&] { return !reported.empty(); }, std::chrono::seconds(5)));
    loop.run_until([] { return false; }, std::chrono::milliseconds(60));
    EXPECT_THAT(reported, ElementsAre(path));
    EXPECT_EQ(watcher.watched(), 1u);
}

TEST(DeviceWatcher, WithTheMonitorsOpenATimerStillFindsAFile) {
    // Whether netlink can be opened here or not, a file (which no uevent
    // announces) is found by the timer.
    TempTree tree;
    Loop loop;
    DeviceWatcherOptions options;
    options.recheck_interval = std::chrono::milliseconds(20);
    UdevDeviceWatcher watcher(loop.event, options);
    std::vector<std::string> reported;
    watcher.report_to([&](const std::string& spec) { reported.push_back(spec); },
                      [](const std::string&) {});
    std::string path = tree.path("dev/late").string();
    watcher.watch(path);
    tree.write("dev/late", "");
    ASSERT_TRUE(loop.run_until([&] { return !reported.empty(); }, std::chrono::seconds(5)));
    EXPECT_THAT(reported, ElementsAre(path));
}

TEST(DeviceWatcher, AKernelUeventMakesItLookAtOnce) {
    // The timer is an hour: only a uevent can make the watcher look. A
    // "change" written to lo's uevent file makes the kernel send one.
    TempTree tree;
    Loop loop;
    DeviceWatcherOptions options;
    options.recheck_interval = std::chrono::hours(1);
    UdevDeviceWatcher watcher(loop.event, options);
    std::vector<std::string> reported;
    watcher.report_to([&](const std::string& spec) { reported.push_back(spec); },
                      [](const std::string&) {});
    std::string path = tree.path("dev/late").string();
    watcher.watch(path);
    // The suite runs as root (scripts/test): both are failures, not skips.
    ASSERT_EQ(watcher.monitor_problem().find("kernel"), std::string::npos)
        << "no kernel uevent monitor here: " << watcher.monitor_problem();
    FILE* trigger = std::fopen("/sys/class/net/lo/uevent", "w");
    ASSERT_NE(trigger, nullptr) << "cannot write /sys/class/net/lo/uevent (not root?)";
    tree.write("dev/late", "");
    loop.run_until([] { return false; }, std::chrono::milliseconds(50));
    EXPECT_TRUE(reported.empty()) << "nothing looked before the uevent";
    std::fputs("change", trigger);
    std::fclose(trigger);
    ASSERT_TRUE(loop.run_until([&] { return !reported.empty(); }, std::chrono::seconds(5)));
    EXPECT_THAT(reported, ElementsAre(path));
}

TEST(DeviceWatcher, ATagsAnswerFromTheWorkerWakesTheLoop) {
    // No monitor, an hour's timer: only the lookup's answer can make the
    // watcher look again.
    TempTree tree;
    Loop loop;
    std::atomic<bool> plugged{false};
    DeviceWatcherOptions options;
    options.recheck_interval = std::chrono::hours(1);
    options.use_monitor = false;
    options.presence.root = tree.root().string();
    options.presence.lookup_tag = [&](const std::string&, const std::string&) {
        return plugged.load();
    };
    UdevDeviceWatcher watcher(loop.event, options);
    std::vector<std::string> reported;
    watcher.report_to([&](const std::string& spec) { reported.push_back(spec); },
                      [](const std::string&) {});
    plugged = true;
    EXPECT_FALSE(watcher.present("UUID=0a1b-2c3d")) << "answered later, never at once";
    watcher.watch("UUID=0a1b-2c3d");
    ASSERT_TRUE(loop.run_until([&] { return !reported.empty(); }, std::chrono::seconds(5)));
    EXPECT_THAT(reported, ElementsAre("UUID=0a1b-2c3d"));
    EXPECT_EQ(watcher.watched(), 0u);
}

}  // namespace
}  // namespace fastinit
