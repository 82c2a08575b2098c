// Rule: no unit file reaches toml++ inside PID 1 before toml++ has survived
// it in a child process. toml++ 3.3.0 has inputs on which it aborts or runs
// into __builtin_unreachable(); the guard (toml_guard.h) refuses the known
// ones, and this pre-flight catches the rest: one forked child runs the
// guard and toml++ over every file of the load, announcing each file on a
// pipe before parsing it. If the child dies, the file it last announced is
// the culprit; it is reported broken and a new child goes on from the next
// file. So a load costs one fork, plus one per file that kills the parser.
//
// Why fork, and why that is safe here: the child only runs the guard and
// toml++ over texts the parent read beforehand, writes to a pipe and
// _exits. PID 1 loads its units before it starts any thread of its own
// (oneTBB's workers, sd-event, sd-bus come later), so the child is a copy
// of a single-threaded process and may allocate. A reload (`fastinit
// daemon-reload`) forks with the launcher's threads running: glibc still
// resets malloc's locks in the child, and a child stuck on any other lock
// is killed after kFileTimeout and its file reported, so the parent can
// never hang. (The reload runs on the main thread, which alone reaps
// children, so the parent's waitpid cannot lose its child to the reaper.) If fork fails (a pids
// limit), the files are parsed in-process behind the guard alone, with a
// warning: a boot with a guard beats no boot.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fastinit {

// What one child reported. `reached` is the index of the last file it
// announced (meaningful when it started one).
struct ProbeRun {
    enum class Outcome { finished, died, timed_out, unavailable };
    Outcome outcome = Outcome::finished;
    std::optional<size_t> reached;
    int signal = 0;       // died: the signal, or 0 when it exited
    int exit_status = 0;  // died without a signal: its exit status
    std::string why;      // unavailable: why there is no child
};

// The seam: runs the parser over texts[first..] in a child.
class ParserProbe {
  public:
    virtual ~ParserProbe() = default;
    virtual ProbeRun run(const std::vector<std::string_view>& texts, size_t first) = 0;
};

// The real one: fork, the child calls `parse` on each text in turn.
class ForkParserProbe : public ParserProbe {
  public:
    using ParseFunction = void (*)(std::string_view text);
    static constexpr std::chrono::milliseconds kFileTimeout{5000};

    explicit ForkParserProbe(ParseFunction parse,
                             std::chrono::milliseconds file_timeout = kFileTimeout)
        : m_parse(parse), m_timeout(file_timeout) {}
    ProbeRun run(const std::vector<std::string_view>& texts, size_t first) override;

  private:
    ParseFunction m_parse;
    std::chrono::milliseconds m_timeout;
};

struct PreflightReport {
    // Per file: empty, or why the file is left out (a sentence).
    std::vector<std::string> verdicts;
    // Set when the pre-flight could not run (the parent parses behind the
    // guard alone): why.
    std::string unavailable;
};

// Runs children until every file was parsed by one that survived it.
PreflightReport run_preflight(const std::vector<std::string_view>& texts, ParserProbe& probe);

// What the child runs on each file: the guard, then toml++ (its parse
// errors are the in-process parse's business).
void parse_like_pid1(std::string_view text);

}  // namespace fastinit
