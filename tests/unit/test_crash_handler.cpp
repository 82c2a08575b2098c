// The crash handler, tried with real faults in a child process that stands
// in for PID 1 (keep_alive_outside_pid1): it must say what happened, stay
// alive, and go on reaping its children.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "initd/pid1/crash_handler.h"

namespace fastinit {
namespace {

constexpr const char* kNoShells[] = {nullptr};
constexpr const char* kShell[] = {"/bin/sh", nullptr};

// Through a volatile variable, so the compiler cannot see the address.
volatile uintptr_t g_bad_address = 8;
volatile bool g_go_on = true;

__attribute__((noinline)) void fault_at_address_8() {
    *reinterpret_cast<volatile int*>(g_bad_address) = 1;
}

__attribute__((noinline)) int recurse_forever(int depth) {
    volatile char frame[256];
    frame[0] = static_cast<char>(depth);
    return (g_go_on ? recurse_forever(depth + 1) : 0) + frame[0];
}

struct Crashed {
    pid_t pid = 0;
    pid_t grandchild = 0;
    int output = -1;  // the child's stderr
    std::string text;

    // Reads the child's stderr until `want` appears or 10 s pass.
    bool wait_for(const std::string& want) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (text.find(want) == std::string::npos) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            pollfd p{output, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0)
                continue;
            char buffer[512];
            ssize_t n = ::read(output, buffer, sizeof buffer);
            if (n <= 0)
                return text.find(want) != std::string::npos;
            text.append(buffer, static_cast<size_t>(n));
        }
        return true;
    }
    bool alive() { return ::waitpid(pid, nullptr, WNOHANG) == 0; }
    ~Crashed() {
        if (pid > 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (output >= 0)
            ::close(output);
    }
};

// Runs `crash` in a child with the handler installed; the child first
// starts a grandchild that exits after 200 ms, whose pid comes back through
// the output pipe's first bytes.
template <typename Crash>
void start_crashing_child(Crashed& c, CrashHandlerOptions options, Crash crash) {
    int out[2], ids[2];
    ASSERT_EQ(::pipe(out), 0);
    ASSERT_EQ(::pipe(ids), 0);
    c.pid = ::fork();
    ASSERT_GE(c.pid, 0);
    if (c.pid == 0) {
        ::dup2(out[1], STDERR_FILENO);
        int null = ::open("/dev/null", O_RDONLY);
        ::dup2(null, STDIN_FILENO);
        install_crash_handler(options);
        pid_t grandchild = ::fork();
        if (grandchild == 0) {
            ::usleep(200 * 1000);
            ::_exit(0);
        }
        [[maybe_unused]] ssize_t n = ::write(ids[1], &grandchild, sizeof grandchild);
        crash();
        ::_exit(99);  // not reached when the crash happens
    }
    ::close(out[1]);
    ::close(ids[1]);
    c.output = out[0];
    ASSERT_EQ(::read(ids[0], &c.grandchild, sizeof c.grandchild),
              static_cast<ssize_t>(sizeof c.grandchild));
    ::close(ids[0]);
}

// A zombie still answers kill(pid, 0); a reaped child does not.
bool reaped(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        if (::kill(pid, 0) != 0)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

TEST(CrashHandler, FaultIsReportedAndTheProcessStaysUpReaping) {
    Crashed c;
    start_crashing_child(c, {.who = "pid1", .shells = kNoShells, .keep_alive_outside_pid1 = true},
                         fault_at_address_8);
    ASSERT_TRUE(c.wait_for("keeping the machine up")) << c.text;
    EXPECT_NE(c.text.find("pid1: crashed: SIGSEGV at address 0x8 in thread "), std::string::npos)
        << c.text;
    EXPECT_TRUE(reaped(c.grandchild)) << "the grandchild is left a zombie";
    EXPECT_TRUE(c.alive());
}

TEST(CrashHandler, StackOverflowIsHandledOnTheAlternateStack) {
    Crashed c;
    start_crashing_child(c, {.who = "pid1", .shells = kNoShells, .keep_alive_outside_pid1 = true},
                         [] { recurse_forever(0); });
    ASSERT_TRUE(c.wait_for("keeping the machine up")) << c.text;
    EXPECT_NE(c.text.find("SIGSEGV"), std::string::npos) << c.text;
    EXPECT_TRUE(c.alive());
}

TEST(CrashHandler, AbortIsReported) {
    Crashed c;
    start_crashing_child(c, {.who = "pid1", .shells = kNoShells, .keep_alive_outside_pid1 = true},
                         [] { std::abort(); });
    ASSERT_TRUE(c.wait_for("keeping the machine up")) << c.text;
    EXPECT_NE(c.text.find("SIGABRT"), std::string::npos) << c.text;
    EXPECT_TRUE(reaped(c.grandchild));
    EXPECT_TRUE(c.alive());
}

TEST(CrashHandler, OffersAShellAndKeepsReapingAfterItExits) {
    Crashed c;
    start_crashing_child(c, {.who = "pid1", .shells = kShell, .keep_alive_outside_pid1 = true},
                         fault_at_address_8);
    ASSERT_TRUE(c.wait_for("starting a shell on the console (/bin/sh)")) << c.text;
    // Its stdin is /dev/null: the shell exits at once.
    ASSERT_TRUE(c.wait_for("the shell exited")) << c.text;
    EXPECT_TRUE(reaped(c.grandchild));
    EXPECT_TRUE(c.alive());
}

TEST(CrashHandler, OutsidePid1TheProcessDiesOfTheSignalAfterTheMessage) {
    Crashed c;
    start_crashing_child(c, {.who = "tool", .shells = kNoShells}, fault_at_address_8);
    ASSERT_TRUE(c.wait_for("tool: crashed: SIGSEGV")) << c.text;
    int status = 0;
    ASSERT_EQ(::waitpid(c.pid, &status, 0), c.pid);
    c.pid = 0;
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGSEGV);
}

}  // namespace
}  // namespace fastinit
