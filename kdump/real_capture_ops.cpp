#include "kdump/real_capture_ops.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>

#include "base/unique_fd.h"
#include "kdump/sparse_copy.h"

extern char** environ;

namespace fastinit {
namespace {

class RealCaptureOps : public CaptureOps {
  public:
    long long epoch_seconds() override { return static_cast<long long>(std::time(nullptr)); }

    long long now_us() override {
        struct timespec ts;
        ::clock_gettime(CLOCK_BOOTTIME, &ts);
        return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
    }

    std::string kernel_release() override {
        struct utsname names;
        return ::uname(&names) == 0 ? names.release : "";
    }

    Result<void> make_new_directory(const std::string& path) override {
        std::error_code ec;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
        if (::mkdir(path.c_str(), 0700) != 0)
            return system_error("cannot make " + path);
        return ok_result();
    }

    bool is_executable(const std::string& path) override {
        return ::access(path.c_str(), X_OK) == 0;
    }

    // posix_spawn: stage 1 may have threads (the device bring-up's), and a
    // child of a threaded process may do little before exec.
    Result<void> run(const std::vector<std::string>& argv,
                     const std::string& stdout_path) override {
        std::vector<char*> args;
        for (const std::string& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        ::posix_spawn_file_actions_init(&actions);
        if (!stdout_path.empty())
            ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(),
                                               O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = 0;
        int error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
        ::posix_spawn_file_actions_destroy(&actions);
        if (error != 0)
            return system_error("cannot run " + argv[0], error);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                return system_error("cannot wait for " + argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            return ok_result();
        if (WIFEXITED(status))
            return Error{argv[0] + " exited with status " + std::to_string(WEXITSTATUS(status)),
                         EIO};
        return Error{argv[0] + " died of signal " + std::to_string(WTERMSIG(status)), EIO};
    }

    Result<uint64_t> copy_sparse(const std::string& from, const std::string& to) override {
        UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in)
            return system_error("cannot open " + from);
        UniqueFd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!out)
            return system_error("cannot create " + to);
        return copy_leaving_holes(in.get(), out.get());
    }

    Result<uint64_t> file_size(const std::string& path) override {
        struct stat st;
        if (::stat(path.c_str(), &st) != 0)
            return system_error("cannot stat " + path);
        return static_cast<uint64_t>(st.st_size);
    }

    Result<void> rename(const std::string& from, const std::string& to) override {
        if (::rename(from.c_str(), to.c_str()) != 0)
            return system_error("cannot rename " + from);
        return ok_result();
    }

    Result<void> remove(const std::string& path) override {
        if (::unlink(path.c_str()) != 0)
            return system_error("cannot remove " + path);
        return ok_result();
    }

    Result<void> write_file(const std::string& path, const std::string& text) override {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        if (!fd)
            return system_error("cannot create " + path);
        if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            return system_error("cannot write " + path);
        return ok_result();
    }

    void sync() override { ::sync(); }
};

}  // namespace

CaptureOps& real_capture_ops() {
    static RealCaptureOps ops;
    return ops;
}

}  // namespace fastinit
