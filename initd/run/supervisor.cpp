#include "initd/run/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "base/log.h"
#include "base/text.h"

namespace fastinit {
namespace {

constexpr int kSignals[] = {SIGCHLD, SIGTERM, SIGINT, SIGPWR, SIGHUP};

// CLOCK_MONOTONIC in µs as sd-event's timers take it; read afresh, not the
// loop's time of this iteration, which a long reload leaves behind.
uint64_t monotonic_usec() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

}  // namespace

void block_manager_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : kSignals)
        sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // Writes to a closed socket or pipe must fail with EPIPE, not kill PID 1.
    signal(SIGPIPE, SIG_IGN);
}

Supervisor::Supervisor(SupervisorOptions options)
    : m_options(std::move(options)),
      m_timeline(m_options.runtime_dir, m_options.init_start_boottime_us),
      m_conditions(m_options.kernel_cmdline_words) {}

Supervisor::~Supervisor() {
    sd_event_source_disable_unref(m_reload_source);
    m_timers.reset();
    m_manager.reset();
    m_launcher.reset();  // waits for spawns in flight
    m_output.reset();    // its pipes' sources, before the loop goes
    m_cgroups.reset();   // its inotify sources, before the loop goes
    m_devices.reset();   // likewise its uevent and timer sources
    sd_event_unref(m_event);
}

Result<std::unique_ptr<Supervisor>> Supervisor::create(Graph graph, SupervisorOptions options) {
    std::unique_ptr<Supervisor> s(new Supervisor(std::move(options)));
    FI_TRY(s->setup(std::move(graph)));
    return s;
}

Result<void> Supervisor::setup(Graph graph) {
    ::mkdir(m_options.runtime_dir.c_str(), 0755);

    int r = sd_event_new(&m_event);
    if (r < 0)
        return system_error("cannot create the event loop", -r);
    m_timers = std::make_unique<EventTimers>(m_event);
    for (int sig : kSignals) {
        r = sd_event_add_signal(m_event, nullptr, sig, on_signal, this);
        if (r < 0)
            return system_error("cannot watch signal " + std::to_string(sig), -r);
    }

    auto notify = NotifySocket::bind(m_options.runtime_dir + "/" + paths::kNotifySocketName);
    if (!notify)
        return notify.error();
    m_notify = std::move(*notify);
    r = sd_event_add_io(m_event, nullptr, m_notify->fd(), EPOLLIN, on_notify_readable, this);
    if (r < 0)
        return system_error("cannot watch the notify socket", -r);

    m_launcher = std::make_unique<Launcher>(LauncherOptions{m_options.etc_dir, {}});
    if (!m_launcher->warm_up())
        log::warning(
            "cannot create the threads that start units (too few processes allowed?); "
            "starting them from the main thread");
    m_journal = m_options.journal;
    if (!m_journal) {
        m_own_journal = std::make_unique<Journal>();
        m_journal = m_own_journal.get();
    }
    // On a real boot the lines of "kmsg" units also go to the kernel log;
    // in a PID namespace every line also goes where "kmsg" output went there
    // before the journal: the manager's standard error. Every line goes to
    // syslog once a daemon listens.
    if (m_options.kmsg_output)
        m_kmsg = std::make_unique<KmsgForward>();
    if (!m_options.syslog_socket.empty())
        m_syslog = std::make_unique<SyslogForward>(*m_journal, m_options.syslog_socket);
    ServiceOutput::Forward forward = [this](const JournalLine& line, bool to_kmsg) {
        auto now = std::chrono::steady_clock::now();
        if (m_kmsg && to_kmsg) {
            m_kmsg->forward(line, now);
        } else if (!m_kmsg) {
            std::string text = log::cat(line.unit, "[", line.pid, "]: ", line.text, "\n");
            [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
        }
    };
    m_output = std::make_unique<ServiceOutput>(m_event, *m_journal, std::move(forward));
    m_launcher->set_output_receiver(
        [this](const std::string& unit, pid_t pid, UniqueFd fd, bool to_kmsg) {
            m_output->watch(unit, pid, std::move(fd), to_kmsg);
        });
    r = sd_event_add_io(m_event, nullptr, m_launcher->event_fd(), EPOLLIN, on_spawn_done, this);
    if (r < 0)
        return system_error("cannot watch the launcher", -r);

    r = sd_event_add_post(m_event, nullptr, on_post, this);
    if (r < 0)
        return system_error("cannot add the post hook", -r);

    if (!m_options.cgroup_root.empty()) {
        // cgroup v2: only leaves hold processes once controllers are on, so
        // the manager moves into init.scope before it makes the services'.
        auto cgroups = std::make_unique<SystemCgroups>(m_options.cgroup_root);
        auto adopted = cgroups->tree().adopt_manager(::getpid());
        if (!adopted) {
            log::warning("not using cgroups: ", adopted.error().message);
        } else {
            for (const auto& problem : *adopted)
                log::warning("cgroups: ", problem);
            log::debug("services' cgroups under ", m_options.cgroup_root);
            cgroups->watch_with(m_event, [this](const std::string& unit) {
                if (auto id = m_manager->find(unit))
                    m_manager->on_cgroup_event(*id);
            });
            m_cgroups = std::move(cgroups);
        }
    }

    m_devices = std::make_unique<UdevDeviceWatcher>(m_event);

    ManagerOptions manager_options;
    manager_options.notify_socket = m_notify->path();
    m_manager =
        std::make_unique<Manager>(std::move(graph),
                                  ManagerSeams{*m_launcher, *m_timers, m_clock, m_conditions,
                                               m_cgroups.get(), m_devices.get()},
                                  manager_options);
    m_timers->deliver_to(*m_manager);
    m_devices->report_to(
        [this](const std::string& spec) {
            log::debug("device ", spec, " appeared");
            m_manager->on_device_present(spec);
        },
        [](const std::string& problem) {
            log::warning("devices: ", problem, "; looking for awaited devices every second");
        });
    m_manager->set_listener([this](UnitId unit) {
        m_timeline.units_changed();
        for (auto& listener : m_listeners)
            listener(unit);
    });
    return {};
}

void Supervisor::watch_output(const std::string& unit, pid_t pid, UniqueFd read_end,
                              bool to_console) {
    m_output->watch(unit, pid, std::move(read_end), false, to_console);
}

void Supervisor::add_unit_listener(std::function<void(UnitId)> listener) {
    m_listeners.push_back(std::move(listener));
}

void Supervisor::add_reload_listener(std::function<void(const ReloadReport&)> listener) {
    m_reload_listeners.push_back(std::move(listener));
}

void Supervisor::request_reload() {
    if (m_reload_source)
        return;  // one is due: this request is answered by it
    int r =
        sd_event_add_time(m_event, &m_reload_source, CLOCK_MONOTONIC,
                          std::max(monotonic_usec(), m_next_reload_usec), 0, on_reload_due, this);
    if (r < 0) {
        log::error("cannot schedule a reload: ", strerror(-r));
        ReloadReport report;
        report.error = std::string("cannot schedule it: ") + strerror(-r);
        for (auto& listener : m_reload_listeners)
            listener(report);
    }
}

int Supervisor::on_reload_due(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    // Requests from now on want a reload that reads the files after them.
    self->m_reload_source = sd_event_source_disable_unref(self->m_reload_source);
    uint64_t began = monotonic_usec();
    ReloadReport report;
    if (self->m_options.reload_units)
        report = self->m_options.reload_units(*self->m_manager);
    else
        report.error = "this manager has no unit sources to reload";
    uint64_t now = monotonic_usec();
    Duration took(static_cast<Duration::rep>(now - began));
    Duration spacing = std::max<Duration>(took, kReloadSpacing);
    self->m_next_reload_usec = now + static_cast<uint64_t>(spacing.count());
    std::vector<std::string> lines = report.lines();
    log::info("reloaded units in ", format_duration(took), ":");
    for (const auto& line : lines)
        log::info("  ", line);
    for (auto& listener : self->m_reload_listeners)
        listener(report);
    return 0;
}

void Supervisor::request_shutdown(PowerAction action) {
    if (m_manager->shutting_down())
        return;
    m_final_action = action;
    log::info("shutting down (then ", verb(action), ")");
    sd_event_add_time_relative(m_event, nullptr, CLOCK_MONOTONIC,
                               static_cast<uint64_t>(m_options.shutdown_deadline.count()), 1000,
                               on_shutdown_deadline, this);
    m_manager->shutdown();
}

PowerAction Supervisor::run() {
    // A start job can settle before the loop runs (a target whose units
    // all settle at once, without a process to wait for); post sources only
    // run after some other event, so do this round's bookkeeping now.
    on_post(nullptr, this);
    // Children inherited from before the signals were blocked (stage 1's
    // initramfs deleter) may have exited with no SIGCHLD left to say so.
    reap_children();
    int r = sd_event_loop(m_event);
    if (r < 0)
        log::error("event loop failed: ", strerror(-r));
    return m_final_action;
}

// ---- events ------------------------------------------------------------------

int Supervisor::on_signal(sd_event_source*, const signalfd_siginfo* info, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    switch (info->ssi_signo) {
        case SIGCHLD:
            self->reap_children();
            break;
        case SIGTERM:
        case SIGPWR:
            self->request_shutdown(PowerAction::poweroff);
            break;
        case SIGINT:
            self->request_shutdown(PowerAction::reboot);
            break;
        case SIGHUP:
            self->request_reload();
            break;
    }
    return 0;
}

void Supervisor::reap_children() {
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG) < 0 || info.si_pid == 0)
            return;
        ExitStatus status;
        if (info.si_code == CLD_EXITED)
            status.code = info.si_status;
        else
            status.signal = info.si_status;
        m_manager->on_exit(info.si_pid, status);
    }
}

int Supervisor::on_notify_readable(sd_event_source*, int, uint32_t, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    // Anyone may send here: a bounded batch per wakeup keeps a flood from
    // starving reaping and the bus (the socket stays readable, so sd-event
    // comes back).
    for (int i = 0; i < 256; ++i) {
        auto datagram = self->m_notify->receive();
        if (!datagram)
            break;
        std::string ignored;
        bool whole = false;
        if (!datagram->problem.empty()) {
            ignored = datagram->problem;
        } else if (datagram->pid == 0) {
            ignored = "it came without credentials";
        } else {
            NotifyOutcome outcome = self->m_manager->on_notify(
                datagram->pid, datagram->uid, parse_notify_message(datagram->text));
            whole = outcome.accepted;
            ignored = std::move(outcome.ignored);
        }
        if (!ignored.empty() && self->m_notify_warnings.allow(Clock::now())) {
            if (uint64_t suppressed = self->m_notify_warnings.take_suppressed())
                log::warning("suppressed ", suppressed, " warnings about notifications");
            if (whole)
                log::warning("notification from pid ", datagram->pid, ": ignored ", ignored);
            else
                log::warning("ignored a notification from pid ", datagram->pid, ": ", ignored);
        }
        // Closing them releases a BARRIER=1 waiter; never on this thread.
        self->m_notify->dispose(std::move(datagram->fds));
    }
    return 0;
}

int Supervisor::on_spawn_done(sd_event_source*, int, uint32_t, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    self->m_launcher->drain(*self->m_manager);
    return 0;
}

int Supervisor::on_shutdown_deadline(sd_event_source*, uint64_t, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    std::string left;
    const Graph& graph = self->m_manager->graph();
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
        if (!is_down(self->m_manager->runtime(i).state))
            left += " " + graph.nodes[i].name;
    }
    log::warning("shutdown deadline of ", format_duration(self->m_options.shutdown_deadline),
                 " passed; still running:", left, "; killing what is left");
    sd_event_exit(self->m_event, 0);
    return 0;
}

int Supervisor::on_post(sd_event_source*, void* userdata) {
    auto* self = static_cast<Supervisor*>(userdata);
    Manager& manager = *self->m_manager;
    if (manager.shutting_down()) {
        if (manager.shutdown_complete())
            sd_event_exit(self->m_event, 0);
        return 0;
    }
    self->m_timeline.after_round(manager);
    self->pump_syslog();
    return 0;
}

// Lines go to syslog after each round of events; when more wait than one
// pump sends, a timer brings the next round soon even if nothing happens.
void Supervisor::pump_syslog() {
    if (!m_syslog || !m_syslog->pump(std::chrono::steady_clock::now()) || m_syslog_pending)
        return;
    m_syslog_pending = true;
    int r = sd_event_add_time_relative(
        m_event, nullptr, CLOCK_MONOTONIC, 10000, 1000,
        [](sd_event_source*, uint64_t, void* userdata) {
            auto* self = static_cast<Supervisor*>(userdata);
            self->m_syslog_pending = false;
            return 0;  // the post hook that follows pumps
        },
        this);
    if (r < 0)
        m_syslog_pending = false;
}

}  // namespace fastinit
