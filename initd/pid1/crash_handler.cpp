#include "initd/pid1/crash_handler.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <ctime>

namespace fastinit {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE};
constexpr const char* kDefaultShells[] = {"/bin/sh", "/usr/bin/sh", nullptr};

CrashHandlerOptions g_options;
std::atomic<bool> g_crashing{false};
// A stack of its own for the handler: a stack overflow leaves none.
alignas(16) char g_alt_stack[64 * 1024];

// A fixed buffer that messages are built in without allocating.
struct Line {
    char text[512];
    size_t size = 0;

    void add(const char* s) {
        while (s && *s && size < sizeof text - 1)
            text[size++] = *s++;
    }
    void add_number(uintmax_t value, unsigned base = 10) {
        char digits[24];
        size_t n = 0;
        do {
            digits[n++] = "0123456789abcdef"[value % base];
            value /= base;
        } while (value && n < sizeof digits);
        while (n && size < sizeof text - 1)
            text[size++] = digits[--n];
    }
};

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "SIGSEGV";
        case SIGBUS:
            return "SIGBUS";
        case SIGABRT:
            return "SIGABRT";
        case SIGILL:
            return "SIGILL";
        case SIGFPE:
            return "SIGFPE";
    }
    return "a fatal signal";
}

void say(const Line& line) {
    Line out = line;
    out.add("\n");
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, out.text, out.size);
    if (!g_options.kmsg)
        return;
    // The kernel log keeps the message when the console is not watched.
    int kmsg = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (kmsg >= 0) {
        Line k;
        k.add("<2>");
        k.add(line.text);
        n = ::write(kmsg, k.text, k.size);
        ::close(kmsg);
    }
}

void sleep_a_second() {
    timespec one{1, 0};
    ::nanosleep(&one, nullptr);
}

// Starts the first shell that exists, on PID 1's own console (its standard
// file descriptors), as a session of its own. Returns its pid, or 0.
pid_t start_shell() {
    const char* const* shells = g_options.shells ? g_options.shells : kDefaultShells;
    for (; *shells; ++shells) {
        if (::access(*shells, X_OK) != 0)
            continue;
        // _Fork, not fork: no atfork handlers (they take locks).
        pid_t pid = ::_Fork();
        if (pid == 0) {
            struct sigaction dfl = {};
            dfl.sa_handler = SIG_DFL;
            for (int sig = 1; sig < NSIG; ++sig)
                ::sigaction(sig, &dfl, nullptr);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::setsid();
            const char* argv[] = {*shells, nullptr};
            const char* envp[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=linux",
                nullptr};
            ::execve(*shells, const_cast<char* const*>(argv), const_cast<char* const*>(envp));
            ::_exit(127);
        }
        if (pid > 0) {
            Line line;
            line.add(g_options.who);
            line.add(": starting a shell on the console (");
            line.add(*shells);
            line.add("); the machine stays up after it exits");
            say(line);
            return pid;
        }
    }
    return 0;
}

// What PID 1 does for the rest of the machine's life after a crash: reap
// whatever exits (orphans are re-parented to it), so zombies never pile up.
[[noreturn]] void reap_forever(pid_t shell) {
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED) < 0) {
            if (errno != EINTR)
                sleep_a_second();  // no child now; orphans may come later
            continue;
        }
        if (shell != 0 && info.si_pid == shell) {
            shell = 0;
            Line line;
            line.add(g_options.who);
            line.add(
                ": the shell exited; PID 1 only reaps children now (reset the machine "
                "to recover)");
            say(line);
        }
    }
}

void on_fatal_signal(int sig, siginfo_t* info, void*) {
    if (g_crashing.exchange(true)) {
        // Another thread crashed first and is handling it: stay out of its way.
        for (;;)
            sleep_a_second();
    }
    bool pid1 = ::getpid() == 1;
    Line line;
    line.add(g_options.who);
    line.add(pid1 ? ": PID 1 crashed: " : ": crashed: ");
    line.add(signal_name(sig));
    if (info) {
        if (info->si_code <= 0) {
            line.add(" sent by pid ");
            line.add_number(static_cast<uintmax_t>(info->si_pid));
        } else if (sig != SIGABRT) {
            line.add(" at address 0x");
            line.add_number(reinterpret_cast<uintptr_t>(info->si_addr), 16);
        }
    }
    line.add(" in thread ");
    line.add_number(static_cast<uintmax_t>(::gettid()));
    bool keep_alive = pid1 || g_options.keep_alive_outside_pid1;
    line.add(keep_alive ? "; keeping the machine up: running services go on, nothing new starts"
                        : "");
    say(line);

    if (!keep_alive) {
        // Die of the signal as usual: restore the default and let the
        // signal hit again (a fault re-executes, a sent signal is re-raised).
        ::signal(sig, SIG_DFL);
        if (!info || info->si_code <= 0 || sig == SIGABRT)
            ::raise(sig);
        return;
    }
    reap_forever(start_shell());
}

}  // namespace

void install_crash_handler(const CrashHandlerOptions& options) {
    g_options = options;
    stack_t stack{};
    stack.ss_sp = g_alt_stack;
    stack.ss_size = sizeof g_alt_stack;
    ::sigaltstack(&stack, nullptr);

    struct sigaction action = {};
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    // Every other fatal signal waits while the handler runs.
    sigemptyset(&action.sa_mask);
    for (int sig : kFatalSignals)
        sigaddset(&action.sa_mask, sig);
    for (int sig : kFatalSignals)
        ::sigaction(sig, &action, nullptr);
}

}  // namespace fastinit
