#include "initd/run/device_watcher.h"

#include <libudev.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace fastinit {

UdevDeviceWatcher::UdevDeviceWatcher(sd_event* event, DeviceWatcherOptions options)
    : m_event(event), m_options(std::move(options)), m_presence(m_options.presence) {}

UdevDeviceWatcher::~UdevDeviceWatcher() {
    sd_event_source_disable_unref(m_udev_io);
    sd_event_source_disable_unref(m_kernel_io);
    sd_event_source_disable_unref(m_timer);
    sd_event_source_disable_unref(m_tag_answers);
    udev_monitor_unref(m_udev_monitor);
    udev_monitor_unref(m_kernel_monitor);
    udev_unref(m_udev);
}

void UdevDeviceWatcher::watch(const std::string& spec) {
    m_pending.insert(spec);
    // Opened on first use: a boot without after_devices pays nothing.
    if (!m_opened)
        open_monitors();
    listen_for_tag_answers();
    arm_timer();
}

// The presence makes its lookup's eventfd when it first needs one, on a
// look from watch() or recheck(); from then on its answers wake the loop.
void UdevDeviceWatcher::listen_for_tag_answers() {
    if (m_tag_answers || m_presence.wake_fd() < 0)
        return;
    if (sd_event_add_io(m_event, &m_tag_answers, m_presence.wake_fd(), EPOLLIN, on_tag_answers,
                        this) < 0)
        m_tag_answers = nullptr;  // the timer still looks, and finds the answers
}

int UdevDeviceWatcher::on_tag_answers(sd_event_source*, int, uint32_t, void* self) {
    auto* watcher = static_cast<UdevDeviceWatcher*>(self);
    watcher->m_presence.drain_wake_fd();
    watcher->recheck();
    return 0;
}

void UdevDeviceWatcher::unwatch(const std::string& spec) {
    m_pending.erase(spec);
    if (m_pending.empty() && m_timer)
        sd_event_source_set_enabled(m_timer, SD_EVENT_OFF);
}

void UdevDeviceWatcher::open_monitors() {
    m_opened = true;
    if (!m_options.use_monitor) {
        m_monitor_problem = "the udev monitor is turned off";
        return;
    }
    m_udev = udev_new();
    if (!m_udev) {
        m_monitor_problem = std::string("cannot use libudev: ") + std::strerror(errno);
        if (m_problem)
            m_problem(m_monitor_problem);
        return;
    }
    open_monitor("udev", m_udev_monitor, m_udev_io);
    open_monitor("kernel", m_kernel_monitor, m_kernel_io);
    if (!m_monitor_problem.empty() && m_problem)
        m_problem(m_monitor_problem);
}

bool UdevDeviceWatcher::open_monitor(const char* source, udev_monitor*& monitor,
                                     sd_event_source*& io) {
    auto fail = [&](const char* what, int error) {
        if (!m_monitor_problem.empty())
            m_monitor_problem += "; ";
        m_monitor_problem += std::string("cannot ") + what + " the " + source +
                             " uevent monitor: " + std::strerror(error);
        udev_monitor_unref(monitor);
        monitor = nullptr;
        return false;
    };
    monitor = udev_monitor_new_from_netlink(m_udev, source);
    if (!monitor)
        return fail("open", errno ? errno : EINVAL);
    int r = udev_monitor_enable_receiving(monitor);
    if (r < 0)
        return fail("enable", -r);
    r = sd_event_add_io(m_event, &io, udev_monitor_get_fd(monitor), EPOLLIN, on_uevent, this);
    if (r < 0)
        return fail("watch", -r);
    return true;
}

int UdevDeviceWatcher::on_uevent(sd_event_source* source, int, uint32_t, void* self) {
    auto* watcher = static_cast<UdevDeviceWatcher*>(self);
    udev_monitor* monitor =
        source == watcher->m_udev_io ? watcher->m_udev_monitor : watcher->m_kernel_monitor;
    // Drain what is queued (the fd is non-blocking), then look once: a
    // coldplug's thousands of events cost one look per wakeup, not each.
    for (int i = 0; i < 4096; ++i) {
        udev_device* device = udev_monitor_receive_device(monitor);
        if (!device)
            break;
        udev_device_unref(device);
    }
    watcher->m_presence.forget_answers();
    watcher->recheck();
    return 0;
}

int UdevDeviceWatcher::on_timer(sd_event_source*, uint64_t, void* self) {
    auto* watcher = static_cast<UdevDeviceWatcher*>(self);
    watcher->m_presence.forget_answers();
    watcher->recheck();
    watcher->arm_timer();
    return 0;
}

void UdevDeviceWatcher::arm_timer() {
    if (m_pending.empty()) {
        if (m_timer)
            sd_event_source_set_enabled(m_timer, SD_EVENT_OFF);
        return;
    }
    uint64_t now = 0;
    sd_event_now(m_event, CLOCK_MONOTONIC, &now);
    uint64_t at = now + static_cast<uint64_t>(m_options.recheck_interval.count()) * 1000;
    if (!m_timer) {
        if (sd_event_add_time(m_event, &m_timer, CLOCK_MONOTONIC, at, 10000, on_timer, this) < 0)
            m_timer = nullptr;  // the monitors still report
        return;
    }
    int enabled = SD_EVENT_OFF;
    sd_event_source_get_enabled(m_timer, &enabled);
    if (enabled != SD_EVENT_OFF)
        return;  // already due; a sooner look is not needed
    sd_event_source_set_time(m_timer, at);
    sd_event_source_set_enabled(m_timer, SD_EVENT_ONESHOT);
}

// What has appeared leaves the set before it is reported: the report runs
// the manager, which may watch more specs meanwhile.
void UdevDeviceWatcher::recheck() {
    std::vector<std::string> found;
    for (const auto& spec : m_pending)
        if (m_presence.present(spec))
            found.push_back(spec);
    for (const auto& spec : found)
        m_pending.erase(spec);
    listen_for_tag_answers();
    for (const auto& spec : found)
        if (m_report)
            m_report(spec);
    if (m_pending.empty() && m_timer)
        sd_event_source_set_enabled(m_timer, SD_EVENT_OFF);
}

}  // namespace fastinit
