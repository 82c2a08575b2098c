#include "boot/run_tool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "base/unique_fd.h"

extern char** environ;

namespace fastinit {

namespace {

// stdin: `input` when given, else /dev/null.
Result<ToolRun> run(const std::vector<std::string>& argv, const std::string_view* input,
                    Duration timeout, const std::vector<std::string>& env) {
    UniqueFd input_end;
    if (input) {
        int in_fds[2];
        if (::pipe2(in_fds, O_CLOEXEC) != 0)
            return system_error("cannot run " + argv.at(0) + ": no pipe");
        input_end = UniqueFd(in_fds[0]);
        UniqueFd writer(in_fds[1]);
        // Written whole before the tool starts: it fits in the pipe's
        // buffer, and the tool sees its end when it has read it all.
        if (input->size() > 65536 || ::write(writer.get(), input->data(), input->size()) !=
                                         static_cast<ssize_t>(input->size()))
            return Error{"cannot run " + argv.at(0) + ": its input does not fit in a pipe"};
    }
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
        return system_error("cannot run " + argv.at(0) + ": no pipe");
    UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

    std::vector<char*> args;
    for (const std::string& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** e = environ; e && *e; ++e)
        environment.emplace_back(*e);
    environment.insert(environment.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (std::string& e : environment)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    if (input)
        ::posix_spawn_file_actions_adddup2(&actions, input_end.get(), STDIN_FILENO);
    else
        ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    pid_t pid = 0;
    int error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        return system_error("cannot run " + argv[0], error);
    write_end = UniqueFd();
    input_end = UniqueFd();

    ToolRun run;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool killed = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            killed = true;
            break;
        }
        pollfd p{read_end.get(), POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            continue;  // the deadline is checked above
        char buffer[4096];
        ssize_t got = ::read(read_end.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;  // every writer is gone: the tool (and its children) ended
        size_t room = kMaxToolOutput - std::min(kMaxToolOutput, run.output.size());
        run.output.append(buffer, std::min(room, static_cast<size_t>(got)));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return system_error("cannot wait for " + argv[0]);
    if (killed)
        return Error{argv[0] + " did not finish within " + format_duration(timeout) + "; killed it",
                     ETIMEDOUT};
    if (WIFSIGNALED(status))
        return Error{argv[0] + " died of signal " + std::to_string(WTERMSIG(status)), EIO};
    run.exit_status = WEXITSTATUS(status);
    return run;
}

}  // namespace

Result<ToolRun> run_tool(const std::vector<std::string>& argv, Duration timeout,
                         const std::vector<std::string>& env) {
    return run(argv, nullptr, timeout, env);
}

Result<ToolRun> run_tool_with_input(const std::vector<std::string>& argv, std::string_view input,
                                    Duration timeout, const std::vector<std::string>& env) {
    return run(argv, &input, timeout, env);
}

std::string last_line(const std::string& output) {
    size_t end = output.find_last_not_of("\n ");
    if (end == std::string::npos)
        return "";
    size_t start = output.rfind('\n', end);
    return output.substr(start == std::string::npos ? 0 : start + 1,
                         end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace fastinit
