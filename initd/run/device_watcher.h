// The real DeviceWatcher on the sd-event loop. Rule: it never blocks and
// never misses a device for long: every uevent (libudev monitors on both the
// "udev" source, after udevd has made its links, and the "kernel" source,
// since udevd may not run) is a cue to look at every watched spec again, and
// while anything is watched a slow timer looks again anyway. The timer
// covers what no uevent announces (a file, a link made by hand) and a
// monitor that cannot be opened (monitor_problem() says why, for one log
// line). Events only ever cause a look; their contents are not trusted.
// A tag looked up without udevd is answered on a worker (tag_lookup.h):
// its answer wakes the loop for one more look.
#pragma once

#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>

#include "initd/run/device_presence.h"
#include "initd/run/interfaces.h"

struct udev;
struct udev_monitor;

namespace fastinit {

struct DeviceWatcherOptions {
    DevicePresenceOptions presence;
    std::chrono::milliseconds recheck_interval{1000};
    bool use_monitor = true;
};

class UdevDeviceWatcher : public DeviceWatcher {
  public:
    using Report = std::function<void(const std::string& spec)>;

    UdevDeviceWatcher(sd_event* event, DeviceWatcherOptions options = {});
    ~UdevDeviceWatcher() override;
    UdevDeviceWatcher(const UdevDeviceWatcher&) = delete;
    UdevDeviceWatcher& operator=(const UdevDeviceWatcher&) = delete;

    // Where appearances go (Manager::on_device_present), and what the
    // monitors could not do, said once when the first watch opens them
    // (for the caller to log). Named once the manager exists.
    void report_to(Report appeared, Report problem) {
        m_report = std::move(appeared);
        m_problem = std::move(problem);
    }
    // Why no monitor is open (then only the timer looks); empty when both are.
    const std::string& monitor_problem() const { return m_monitor_problem; }

    bool present(const std::string& spec) override { return m_presence.present(spec); }
    void watch(const std::string& spec) override;
    void unwatch(const std::string& spec) override;
    size_t watched() const { return m_pending.size(); }

  private:
    void open_monitors();
    bool open_monitor(const char* source, udev_monitor*& monitor, sd_event_source*& io);
    void recheck();
    void arm_timer();
    void listen_for_tag_answers();
    static int on_uevent(sd_event_source*, int fd, uint32_t events, void* self);
    static int on_timer(sd_event_source*, uint64_t usec, void* self);
    static int on_tag_answers(sd_event_source*, int fd, uint32_t events, void* self);

    sd_event* m_event;
    DeviceWatcherOptions m_options;
    DevicePresence m_presence;
    Report m_report;
    Report m_problem;
    std::set<std::string> m_pending;
    bool m_opened = false;
    std::string m_monitor_problem;
    struct udev* m_udev = nullptr;
    udev_monitor* m_udev_monitor = nullptr;
    udev_monitor* m_kernel_monitor = nullptr;
    sd_event_source* m_udev_io = nullptr;
    sd_event_source* m_kernel_io = nullptr;
    sd_event_source* m_timer = nullptr;
    sd_event_source* m_tag_answers = nullptr;
};

}  // namespace fastinit
