#include "initd/run/launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <limits>
#include <memory>
#include <string_view>
#include <thread>

#include "base/log.h"
#include "base/text.h"
#include "initd/run/attribute_plan.h"
#include "initd/run/pid_file.h"
#include "initd/run/spawn.h"
#include "initd/run/user_db.h"
#include "initd/unit/environment_file.h"

namespace fastinit {
namespace {

size_t worker_count() {
    return std::max(2u, std::thread::hardware_concurrency());
}

bool has_variable(const std::vector<std::string>& environment, std::string_view name) {
    for (const auto& entry : environment)
        if (entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=')
            return true;
    return false;
}

// O_NONBLOCK and a regular file only: a FIFO or a device put in its place
// must not hold a worker forever. (Links are followed: /etc/default files
// are often links an administrator made.)
Result<std::string> read_environment_file(const std::string& path) {
    const std::string what = "cannot read the environment file " + path;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        return system_error(what);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        return system_error(what);
    if (!S_ISREG(st.st_mode))
        return Error{what + ": not a regular file", EINVAL};
    auto text = read_fd_at_most(fd.get(), path, kMaxEnvironmentFileSize);
    if (!text)
        return Error{what + ": " + text.error().message, text.error().errno_value};
    return text;
}

// The service's environment: the manager's and the unit's (`base`), the
// user's passwd entry under them (a unit may set HOME itself), then each
// environment file over everything before it. A bad line in a file is
// skipped and logged; a missing file is an error unless it is optional.
Result<std::vector<std::string>> compose_environment(const SpawnRequest& request,
                                                     const Credentials* user) {
    std::vector<std::string> environment = request.environment;
    if (user && user->has_passwd_entry) {
        const std::pair<const char*, const std::string*> from_passwd[] = {{"HOME", &user->home},
                                                                          {"USER", &user->name},
                                                                          {"LOGNAME", &user->name},
                                                                          {"SHELL", &user->shell}};
        for (const auto& [name, value] : from_passwd)
            if (!value->empty() && !has_variable(environment, name))
                environment.push_back(std::string(name) + "=" + *value);
    }
    for (const auto& file : request.environment_files) {
        auto text = read_environment_file(file.path);
        if (!text) {
            if (file.optional && text.error().errno_value == ENOENT)
                continue;
            return text.error();
        }
        auto contents = parse_environment_file(file.path, *text);
        // A file of bad lines must not flood the log at every start.
        constexpr size_t kProblemsLogged = 10;
        for (size_t i = 0; i < contents.problems.size() && i < kProblemsLogged; ++i)
            log::warning(request.unit, ": ", contents.problems[i], " (line skipped)");
        if (contents.problems.size() > kProblemsLogged)
            log::warning(request.unit, ": ", contents.problems.size() - kProblemsLogged,
                         " more bad lines in ", file.path, " skipped");
        set_environment_variables(environment, contents.variables);
    }
    // What the manager itself tells the service stays true whatever a file
    // says: where to notify, and which process is the main one.
    for (const std::string& entry : request.environment) {
        size_t equals = entry.find('=');
        if (equals == std::string::npos)
            continue;
        std::string_view name(entry.data(), equals);
        if (name == "NOTIFY_SOCKET" || name == "MAINPID")
            set_environment_variable(environment, name, std::string_view(entry).substr(equals + 1));
    }
    return environment;
}

}  // namespace

Launcher::Launcher(LauncherOptions options)
    : m_options(std::move(options)),
      m_last_capability(read_last_capability()),
      m_event_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      m_parallelism(tbb::global_control::max_allowed_parallelism, worker_count() + 1),
      // Every worker may create processes; no slot is reserved for the main
      // thread, which only enqueues work (and joins once, to wait at exit).
      m_arena(static_cast<int>(worker_count()), 0) {}

Launcher::~Launcher() {
    if (!m_inline) {
        m_arena.execute([this] { m_group->wait(); });
        return;
    }
    // oneTBB failed to create a thread at some point, and then it may hold
    // queued tasks that no worker will ever run: waiting for them blocked
    // shutdown forever. Wait only for tasks that are running now, stop the
    // rest from touching this launcher, and leave the group to them: never
    // destroyed (its destructor would wait for the same tasks), reachable
    // from a global so leak checkers do not count it, freed with the
    // process, which is about to end.
    {
        LockGuard lock(m_lifeline->running);
        m_lifeline->abandoned = true;
    }
    static auto* abandoned_groups = new std::vector<tbb::task_group*>;
    abandoned_groups->push_back(m_group.release());
}

bool Launcher::warm_up() {
    // One task per worker, each waiting (briefly) until all have arrived:
    // only a worker of its own can run each, so oneTBB must create them all.
    const int workers = static_cast<int>(worker_count());
    auto arrived = std::make_shared<std::atomic<int>>(0);
    auto all_arrived = [arrived, workers](std::chrono::milliseconds within) {
        auto deadline = std::chrono::steady_clock::now() + within;
        while (arrived->load() < workers && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        return arrived->load() >= workers;
    };
    try {
        for (int i = 0; i < workers; ++i)
            m_arena.enqueue(m_group->defer([arrived, all_arrived] {
                arrived->fetch_add(1);
                all_arrived(std::chrono::milliseconds(500));
            }));
    } catch (const std::exception&) {
        m_inline = true;
        return false;
    }
    m_inline = !all_arrived(std::chrono::milliseconds(1000));
    return !m_inline;
}

void Launcher::spawn(UnitId unit, SpawnRequest request) {
    if (m_inline) {
        spawn_and_finish(unit, request);
        return;
    }
    // Whoever claims the spawn first reports its outcome: the task, or the
    // main thread when oneTBB could not take the task (it throws when it
    // cannot create a thread, possibly after it queued the task; the task
    // must then not run it again).
    auto claimed = std::make_shared<std::atomic<bool>>(false);
    auto shared_request = std::make_shared<SpawnRequest>(std::move(request));
    try {
        // enqueue, not execute: the main thread must never wait here (execute
        // joins the arena and blocks while every worker is busy in a clone).
        // defer ties the task to the group, so the destructor still waits for it.
        m_arena.enqueue(
            m_group->defer([this, unit, claimed, shared_request, lifeline = m_lifeline] {
                SharedLockGuard lock(lifeline->running);
                if (lifeline->abandoned)
                    return;
                if (!claimed->exchange(true))
                    spawn_and_finish(unit, *shared_request);
            }));
    } catch (const std::exception&) {
        m_inline = true;
        if (!claimed->exchange(true))
            spawn_and_finish(unit, *shared_request);
    }
}

void Launcher::spawn_and_finish(UnitId unit, const SpawnRequest& request) {
    UniqueFd output;
    Result<SpawnResult> result = run_spawn(request, output);
    bool to_kmsg = request.stdout_target.kind == OutputTarget::Kind::kmsg ||
                   request.stderr_target.kind == OutputTarget::Kind::kmsg;
    {
        LockGuard lock(m_mutex);
        m_done.push_back({unit, request.unit, std::move(result), std::move(output), to_kmsg});
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(m_event_fd.get(), &one, sizeof one);
}

Result<int> Launcher::open_output(const OutputTarget& target, int inherit_fd, UniqueFd& owned,
                                  UniqueFd& journal_read_end) {
    using Kind = OutputTarget::Kind;
    switch (target.kind) {
        case Kind::journal:
        case Kind::kmsg: {
            // Both ends close on exec; the child dup2s the write end onto
            // its stdout/stderr (spawn.cpp), which clears that. The manager
            // reads its end without ever blocking.
            int ends[2];
            if (::pipe2(ends, O_CLOEXEC) < 0)
                return system_error("cannot make the output pipe");
            journal_read_end.reset(ends[0]);
            owned.reset(ends[1]);
            if (::fcntl(ends[0], F_SETFL, O_NONBLOCK) < 0)
                return system_error("cannot make the output pipe non-blocking");
            return owned.get();
        }
        case Kind::null:
            return -1;
        case Kind::inherit:
            return inherit_fd;
        case Kind::console:
            return STDERR_FILENO;
        case Kind::file:
            owned.reset(::open(target.path.c_str(),
                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644));
            if (!owned)
                return system_error("cannot open " + target.path);
            return owned.get();
    }
    return -1;
}

Result<SpawnResult> Launcher::run_spawn(const SpawnRequest& request, UniqueFd& output) {
    ProcessSpec spec;
    spec.argv = request.argv;
    spec.working_directory = request.working_directory;
    if (!request.user.empty() || !request.group.empty()) {
        auto creds = resolve_credentials(request.user, request.group, m_options.etc_dir);
        if (!creds)
            return creds.error();
        spec.change_credentials = true;
        spec.credentials = *creds;
        spec.user_label = request.user.empty() ? "root" : request.user;
        if (!request.group.empty())
            spec.user_label += " (group " + request.group + ")";
    }
    auto environment =
        compose_environment(request, request.user.empty() ? nullptr : &spec.credentials);
    if (!environment)
        return environment.error();
    spec.environment = std::move(*environment);
    spec.watchdog_pid = request.watchdog_pid;
    if (auto made = make_service_directories(request.directories, m_options.directories,
                                             spec.credentials.uid, spec.credentials.gid);
        !made)
        return made.error();
    const AttributePlan attributes = plan_attributes(request.attributes, m_last_capability);
    if (!attributes.empty())
        spec.attributes = &attributes;
    UniqueFd stdout_file, stderr_file, stderr_read_end;
    auto out = open_output(request.stdout_target, STDOUT_FILENO, stdout_file, output);
    if (!out)
        return out.error();
    // stderr to the same file, or to the journal or the kernel log (both
    // through the journal's pipe) shares stdout's fd: one pipe keeps the two
    // streams' lines in order.
    using Kind = OutputTarget::Kind;
    const OutputTarget& o = request.stdout_target;
    const OutputTarget& e = request.stderr_target;
    auto piped = [](Kind kind) { return kind == Kind::journal || kind == Kind::kmsg; };
    bool same_file = (o.kind == e.kind && o.kind == Kind::file && o.path == e.path) ||
                     (piped(o.kind) && piped(e.kind));
    auto err = same_file ? Result<int>(*out)
                         : open_output(request.stderr_target, STDERR_FILENO, stderr_file,
                                       output.get() < 0 ? output : stderr_read_end);
    if (!err)
        return err.error();
    spec.stdout_fd = *out;
    spec.stderr_fd = *err;
    UniqueFd cgroup_procs;
    if (!request.cgroup.empty()) {
        std::string procs = request.cgroup + "/cgroup.procs";
        cgroup_procs.reset(::open(procs.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
        if (!cgroup_procs)
            return system_error("cannot open " + procs);
        spec.cgroup_procs_fd = cgroup_procs.get();
        spec.cgroup = request.cgroup;
    }

    auto spawned = spawn_process(spec);
    if (!spawned)
        return spawned.error();
    for (const std::string& warning : spawned->warnings)
        log::warning(request.unit, ": ", warning);
    return SpawnResult{spawned->pid, spec.credentials.uid};
}

void Launcher::kill(pid_t pid, int signal) {
    // The last line of defence, whatever the caller believes: kill(-1) is
    // every process, kill(0) our own group, and -1 is also the group of PID 1.
    if (pid == std::numeric_limits<pid_t>::min())
        return;  // -pid would overflow
    pid_t process = pid < 0 ? -pid : pid;
    if (process <= 1 || process == ::getpid())
        return;
    // A service is a session leader, so its group holds it and what it
    // forked: one signal to the group reaches each process once. A main
    // process that leads no group (MAINPID= named another) gets its own.
    if (pid > 0 && ::kill(-pid, signal) == 0)
        return;
    ::kill(pid, signal);
}

void Launcher::kill_process(pid_t pid, int signal) {
    if (pid <= 1 || pid == ::getpid())
        return;  // the same line of defence as kill(); no groups here
    ::kill(pid, signal);
}

std::optional<pid_t> Launcher::session_of(pid_t pid) {
    if (pid <= 0)
        return std::nullopt;  // getsid(0) would be our own session
    pid_t sid = ::getsid(pid);
    if (sid < 0)
        return std::nullopt;
    return sid;
}

std::optional<pid_t> Launcher::parent_of(pid_t pid) {
    if (pid <= 0)
        return std::nullopt;
    // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses,
    // so the fields after it start after the last ')'.
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat)
        return std::nullopt;
    size_t close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::string_view rest = std::string_view(*stat).substr(close + 1);
    // " S 123 ..."
    if (rest.size() < 4 || rest[0] != ' ' || rest[2] != ' ')
        return std::nullopt;
    rest.remove_prefix(3);
    pid_t parent = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), parent);
    if (ec != std::errc() || end == rest.data() || parent < 0)
        return std::nullopt;
    return parent;
}

Result<std::string> Launcher::read_pid_file(const std::string& path) {
    // O_NOFOLLOW: a link planted as the pid file could point anywhere;
    // O_NONBLOCK: a FIFO planted there must not hang the main thread.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK));
    if (!fd)
        return system_error("cannot open " + path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0)
        return system_error("cannot stat " + path);
    if (!S_ISREG(st.st_mode))
        return Error{path + " is not a regular file"};
    return read_fd_at_most(fd.get(), path, kMaxPidFileSize);
}

void Launcher::remove_runtime_directories(const std::string& unit,
                                          const std::vector<std::string>& names) {
    if (auto removed = remove_service_directories(names, m_options.directories.runtime); !removed)
        log::warning(unit, ": ", removed.error().message);
}

void Launcher::drain(Manager& manager) {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(m_event_fd.get(), &count, sizeof count);
    std::vector<Outcome> done;
    {
        LockGuard lock(m_mutex);
        done.swap(m_done);
    }
    for (auto& outcome : done) {
        if (outcome.result && outcome.output && m_output_receiver)
            m_output_receiver(outcome.unit_name, outcome.result->pid, std::move(outcome.output),
                              outcome.to_kmsg);
        if (outcome.result)
            manager.on_spawned(outcome.unit, *outcome.result);
        else
            manager.on_spawn_failed(outcome.unit, outcome.result.error());
    }
}

}  // namespace fastinit
