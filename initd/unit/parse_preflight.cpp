#include "initd/unit/parse_preflight.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/toml_guard.h"
#include "base/unique_fd.h"

namespace fastinit {
namespace {

// The child must die of its own faults, not run PID 1's crash handler
// (which would keep it alive, start a shell and reap forever).
void restore_fault_defaults() {
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP, SIGSYS})
        ::sigaction(sig, &dfl, nullptr);
}

bool write_all(int fd, const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

[[noreturn]] void child(int fd, ForkParserProbe::ParseFunction parse,
                        const std::vector<std::string_view>& texts, size_t first) {
    restore_fault_defaults();
    for (size_t i = first; i < texts.size(); ++i) {
        auto index = static_cast<uint32_t>(i);
        if (!write_all(fd, &index, sizeof index))
            ::_exit(3);
        parse(texts[i]);
    }
    ::_exit(0);
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

std::string signal_name(int sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev ? std::to_string(sig) + ", SIG" + abbrev : std::to_string(sig);
}

}  // namespace

void parse_like_pid1(std::string_view text) {
    if (find_unsafe_toml(text))
        return;  // refused in-process too: toml++ never sees it
    try {
        (void)toml::parse(text, std::string_view("preflight"));
    } catch (...) {
        // An error is an answer; only dying is the pre-flight's concern.
    }
}

ProbeRun ForkParserProbe::run(const std::vector<std::string_view>& texts, size_t first) {
    ProbeRun result;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.outcome = ProbeRun::Outcome::unavailable;
        result.why = std::string("cannot create a pipe: ") + std::strerror(errno);
        return result;
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) {
        result.outcome = ProbeRun::Outcome::unavailable;
        result.why = std::string("cannot fork: ") + std::strerror(errno);
        return result;
    }
    if (pid == 0)
        child(write_end.get(), m_parse, texts, first);
    write_end.reset();

    // Each message is one 4-byte file index, written before that file is
    // parsed; EOF means the child is gone.
    unsigned char buffer[4096];
    size_t pending = 0;
    for (;;) {
        pollfd p{read_end.get(), POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(m_timeout.count()));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            ::kill(pid, SIGKILL);
            wait_for(pid);
            result.outcome = ProbeRun::Outcome::timed_out;
            return result;
        }
        ssize_t n = ::read(read_end.get(), buffer + pending, sizeof buffer - pending);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        pending += static_cast<size_t>(n);
        size_t whole = pending - pending % 4;
        if (whole > 0) {
            uint32_t index;
            std::memcpy(&index, buffer + whole - 4, sizeof index);
            result.reached = index;
            std::memmove(buffer, buffer + whole, pending - whole);
            pending -= whole;
        }
    }
    int status = wait_for(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return result;
    result.outcome = ProbeRun::Outcome::died;
    if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    else
        result.exit_status = WEXITSTATUS(status);
    return result;
}

PreflightReport run_preflight(const std::vector<std::string_view>& texts, ParserProbe& probe) {
    PreflightReport report;
    report.verdicts.resize(texts.size());
    size_t first = 0;
    int deaths_before_any_file = 0;
    while (first < texts.size()) {
        ProbeRun run = probe.run(texts, first);
        if (run.outcome == ProbeRun::Outcome::finished)
            break;
        if (run.outcome == ProbeRun::Outcome::unavailable) {
            report.unavailable = run.why;
            break;
        }
        if (!run.reached || *run.reached < first || *run.reached >= texts.size()) {
            // Gone before it parsed anything: not a file's fault. Once more,
            // then the guard alone.
            if (++deaths_before_any_file < 2)
                continue;
            report.unavailable = "the checking process died before it parsed a file";
            break;
        }
        size_t culprit = *run.reached;
        if (run.outcome == ProbeRun::Outcome::timed_out)
            report.verdicts[culprit] =
                "the TOML parser did not finish this file in time; left "
                "out of the boot";
        else if (run.signal != 0)
            report.verdicts[culprit] = "the TOML parser crashed on this file (signal " +
                                       signal_name(run.signal) + "); left out of the boot";
        else
            report.verdicts[culprit] = "the TOML parser crashed on this file (exit status " +
                                       std::to_string(run.exit_status) + "); left out of the boot";
        first = culprit + 1;
    }
    return report;
}

}  // namespace fastinit
