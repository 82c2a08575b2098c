#include "initd/run/spawn.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string_view>

#include "base/unique_fd.h"

namespace fastinit {
namespace {

constexpr size_t kChildStackSize = 64 * 1024;

// Everything the child needs, prepared before clone: the child must not
// allocate (it shares the heap and its lock with the parent's other threads).
struct ChildPlan {
    const char* path;
    char* const* argv;
    char* const* envp;
    const char* working_directory;
    int stdio[3];
    int cgroup_procs_fd;
    bool change_credentials;
    uid_t uid;
    gid_t gid;
    const gid_t* groups;
    size_t group_count;
    const AttributePlan* attributes;  // may be null
    // Where the child writes its pid's digits in the WATCHDOG_PID= entry of
    // envp (room for any pid and the NUL); null: no such entry.
    char* pid_digits;
    // Written by the child, read by the parent after it resumes: what failed
    // (a static string) and its errno; and each limit the kernel refused and
    // what was set instead (see set_limit_or_closest).
    const char* failed_step;
    int exec_errno;
    bool limit_lowered[RLIM_NLIMITS];
    struct rlimit limit_applied[RLIM_NLIMITS];
};

// setrlimit, or when the kernel refuses the value (raising a hard limit
// needs CAP_SYS_RESOURCE, which a container may lack; nofile stops at
// fs.nr_open): the closest it allows, the hard limit kept where it is and
// the soft one at most that, as systemd does, so that a unit written for a
// bigger limit still runs. The parent reports what was set instead.
__attribute__((no_sanitize("address", "undefined"))) bool set_limit_or_closest(ChildPlan* plan,
                                                                               size_t i) {
    const AttributePlan::Limit& limit = plan->attributes->limits[i];
    auto resource = static_cast<__rlimit_resource_t>(limit.resource);
    if (setrlimit(resource, &limit.value) == 0)
        return true;
    if (errno != EPERM)
        return false;
    struct rlimit now;
    if (getrlimit(resource, &now) < 0)
        return false;
    struct rlimit closest = limit.value;
    if (closest.rlim_max > now.rlim_max)
        closest.rlim_max = now.rlim_max;
    if (closest.rlim_cur > closest.rlim_max)
        closest.rlim_cur = closest.rlim_max;
    if (closest.rlim_max == limit.value.rlim_max) {
        errno = EPERM;  // not a hard limit it could not raise: refused as asked
        return false;
    }
    if (setrlimit(resource, &closest) < 0)
        return false;
    plan->limit_lowered[i] = true;
    plan->limit_applied[i] = closest;
    return true;
}

// The attributes that need root or must precede the user switch: limits
// (nproc counts the new user's processes), priorities, the OOM score (only
// root may lower it) and the bounding set (CAP_SETPCAP). Raw system calls on
// the plan's arrays only. Returns false with failed_step set.
__attribute__((no_sanitize("address", "undefined"))) bool apply_attributes_as_root(
    ChildPlan* plan) {
    const AttributePlan& a = *plan->attributes;
    plan->failed_step = "set its resource limits";
    for (size_t i = 0; i < a.limit_count; ++i)
        if (!set_limit_or_closest(plan, i))
            return false;
    if (a.set_umask)
        umask(a.umask);
    plan->failed_step = "set its nice value";
    if (a.set_nice && setpriority(PRIO_PROCESS, 0, a.nice) < 0)
        return false;
    plan->failed_step = "set its I/O priority";
    if (a.set_io_priority &&
        syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, a.io_priority) < 0)
        return false;
    plan->failed_step = "set its CPU affinity";
    if (a.set_affinity && sched_setaffinity(0, sizeof a.cpus, &a.cpus) < 0)
        return false;
    if (a.set_oom_score_adj) {
        plan->failed_step = "set its oom_score_adj";
        int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return false;
        ssize_t n = write(fd, a.oom_score_adj, a.oom_score_adj_length);
        int saved = errno;
        close(fd);
        errno = saved;
        if (n != static_cast<ssize_t>(a.oom_score_adj_length))
            return false;
    }
    plan->failed_step = "drop capabilities from its bounding set";
    for (size_t i = 0; i < a.bounding_drop_count; ++i)
        if (prctl(PR_CAPBSET_DROP, a.bounding_drops[i], 0, 0, 0) < 0)
            return false;
    // Without it, switching to a user other than root empties the permitted
    // set, and ambient capabilities can only be raised from permitted ones.
    plan->failed_step = "keep its capabilities across the user switch";
    if (a.set_ambient && plan->change_credentials && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return false;
    return true;
}

// After the user switch: the ambient set (raised through the inheritable
// set, which the kernel requires), then no_new_privileges, last because it
// changes nothing the earlier steps need.
__attribute__((no_sanitize("address", "undefined"))) bool apply_attributes_as_user(
    ChildPlan* plan) {
    const AttributePlan& a = *plan->attributes;
    if (a.set_ambient) {
        plan->failed_step = "raise its ambient capabilities";
        __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct data[2] = {};
        if (syscall(SYS_capget, &header, data) < 0)
            return false;
        const uint32_t low = static_cast<uint32_t>(a.ambient);
        const uint32_t high = static_cast<uint32_t>(a.ambient >> 32);
        data[0].inheritable |= low;
        data[1].inheritable |= high;
        if (plan->change_credentials && plan->uid != 0) {
            // A user keeps what it is given and nothing more; root keeps all.
            data[0].permitted &= low;
            data[1].permitted &= high;
            data[0].effective = data[0].permitted;
            data[1].effective = data[1].permitted;
        }
        if (syscall(SYS_capset, &header, data) < 0)
            return false;
        for (int cap = 0; cap < 64; ++cap)
            if ((a.ambient >> cap) & 1)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
                    return false;
    }
    plan->failed_step = "set no_new_privileges";
    if (a.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return false;
    return true;
}

// The child's own pid in decimal, written into room kept for it: its pid is
// known only once it exists, and it must not allocate.
__attribute__((no_sanitize("address", "undefined"))) void write_own_pid(char* out) {
    char digits[16];
    int n = 0;
    for (unsigned long pid = static_cast<unsigned long>(getpid()); n == 0 || pid != 0; pid /= 10)
        digits[n++] = static_cast<char>('0' + pid % 10);
    while (n > 0)
        *out++ = digits[--n];
    *out = '\0';
}

// Runs in the child, on its own stack, sharing the parent's memory. Only
// async-signal-safe calls; sanitizers are off because their runtime is not.
__attribute__((no_sanitize("address", "undefined"))) int child_main(void* arg) {
    auto* plan = static_cast<ChildPlan*>(arg);
    sigset_t none;
    sigemptyset(&none);
    // Dispositions: the manager ignores SIGPIPE; services start with defaults.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        sigaction(sig, &dfl, nullptr);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    // First, while still root: "0" moves the writer itself. (clone3 with
    // CLONE_INTO_CGROUP would do it at creation, but sharing memory with
    // CLONE_VM it needs a hand-written stack switch; this write is as good,
    // since nothing runs in the child before it.)
    if (plan->pid_digits)
        write_own_pid(plan->pid_digits);

    plan->failed_step = "join its cgroup";
    if (plan->cgroup_procs_fd >= 0 && write(plan->cgroup_procs_fd, "0", 1) != 1)
        goto fail;
    plan->failed_step = "start a session";
    if (setsid() < 0)
        goto fail;
    plan->failed_step = "set up standard input and output";
    for (int fd = 0; fd < 3; ++fd) {
        // dup2 onto itself would keep O_CLOEXEC; dup3 requires different fds.
        if (plan->stdio[fd] == fd) {
            if (fcntl(fd, F_SETFD, 0) < 0)
                goto fail;
        } else if (dup2(plan->stdio[fd], fd) < 0) {
            goto fail;
        }
    }
    plan->failed_step = "change to the working directory";
    if (chdir(plan->working_directory) < 0)
        goto fail;
    if (plan->attributes && !apply_attributes_as_root(plan))
        goto fail;
    if (plan->change_credentials) {
        // These step names say which call refused the switch; the parent
        // tells them from the others by their "switch user: " prefix.
        plan->failed_step = "switch user: setgroups";
        if (setgroups(plan->group_count, plan->groups) < 0)
            goto fail;
        plan->failed_step = "switch user: setresgid";
        if (setresgid(plan->gid, plan->gid, plan->gid) < 0)
            goto fail;
        plan->failed_step = "switch user: setresuid";
        if (setresuid(plan->uid, plan->uid, plan->uid) < 0)
            goto fail;
    }
    if (plan->attributes && !apply_attributes_as_user(plan))
        goto fail;
    plan->failed_step = "execute";
    execve(plan->path, plan->argv, plan->envp);
fail:
    plan->exec_errno = errno;
    _exit(127);
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings)
        out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

std::string limit_text(rlim_t value) {
    return value == RLIM_INFINITY ? "infinity" : std::to_string(value);
}

// "limit_nofile": the unit key of a resource.
std::string limit_key(int resource) {
    for (const LimitKind& kind : limit_kinds())
        if (kind.resource == resource)
            return std::string("limit_") + kind.name;
    return "limit " + std::to_string(resource);
}

}  // namespace

Result<Spawned> spawn_process(const ProcessSpec& spec) {
    if (spec.argv.empty())
        return Error{"nothing to execute"};

    UniqueFd dev_null;
    auto stdio_fd = [&](int fd) -> int {
        if (fd >= 0)
            return fd;
        if (!dev_null)
            dev_null.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
        return dev_null.get();
    };
    std::vector<char*> argv = c_strings(spec.argv);
    std::vector<char*> envp = c_strings(spec.environment);
    constexpr std::string_view kWatchdogPid = "WATCHDOG_PID=";
    std::string watchdog_pid(kWatchdogPid.size() + 16, '\0');
    if (spec.watchdog_pid) {
        watchdog_pid.replace(0, kWatchdogPid.size(), kWatchdogPid);
        envp.insert(envp.end() - 1, watchdog_pid.data());
    }
    ChildPlan plan{};
    plan.path = spec.argv[0].c_str();
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.working_directory = spec.working_directory.empty() ? "/" : spec.working_directory.c_str();
    plan.stdio[0] = stdio_fd(spec.stdin_fd);
    plan.stdio[1] = stdio_fd(spec.stdout_fd);
    plan.stdio[2] = stdio_fd(spec.stderr_fd);
    if (plan.stdio[0] < 0 || plan.stdio[1] < 0 || plan.stdio[2] < 0)
        return system_error("cannot open /dev/null");
    plan.cgroup_procs_fd = spec.cgroup_procs_fd;
    plan.change_credentials = spec.change_credentials;
    plan.uid = spec.credentials.uid;
    plan.gid = spec.credentials.gid;
    plan.groups = spec.credentials.groups.data();
    plan.group_count = spec.credentials.groups.size();
    plan.attributes = spec.attributes;
    plan.pid_digits = spec.watchdog_pid ? watchdog_pid.data() + kWatchdogPid.size() : nullptr;

    thread_local std::unique_ptr<char[]> stack(new char[kChildStackSize]);
    void* stack_top = stack.get() + kChildStackSize;

    // Block every signal across clone so no handler of this process runs on
    // the child's borrowed stack; the child sets its own mask.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = ::clone(child_main, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    int clone_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);

    if (pid < 0)
        return system_error("cannot create a process for " + spec.argv[0], clone_errno);
    if (plan.exec_errno != 0) {
        // The child exited with 127; its zombie is reaped by the SIGCHLD
        // handling like any other, and the caller reports this error.
        std::string step = plan.failed_step ? plan.failed_step : "execute";
        if (step == "execute")
            return system_error("cannot execute " + spec.argv[0], plan.exec_errno);
        std::string_view switch_prefix = "switch user: ";
        if (step.starts_with(switch_prefix)) {
            std::string user =
                spec.user_label.empty() ? std::to_string(spec.credentials.uid) : spec.user_label;
            return system_error("cannot switch to user " + user + " for " + spec.argv[0] + ": " +
                                    step.substr(switch_prefix.size()),
                                plan.exec_errno);
        }
        if (step == "join its cgroup")
            step += " " + spec.cgroup;
        if (step == "change to the working directory")
            step += " " + std::string(plan.working_directory);
        return system_error("cannot " + step + " for " + spec.argv[0], plan.exec_errno);
    }
    Spawned spawned{.pid = pid, .warnings = {}};
    for (size_t i = 0; spec.attributes && i < spec.attributes->limit_count; ++i) {
        if (!plan.limit_lowered[i])
            continue;
        const AttributePlan::Limit& asked = spec.attributes->limits[i];
        spawned.warnings.push_back(
            limit_key(asked.resource) + " " + limit_text(asked.value.rlim_cur) + ":" +
            limit_text(asked.value.rlim_max) + " is above the hard limit this manager may grant; " +
            spec.argv[0] + " runs with " + limit_text(plan.limit_applied[i].rlim_cur) + ":" +
            limit_text(plan.limit_applied[i].rlim_max) + " instead");
    }
    return spawned;
}

}  // namespace fastinit
