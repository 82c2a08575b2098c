// The capture a crash kernel's stage 1 runs (/proc/vmcore present): save
// the crashed kernel's memory and its log under the kdump target of the
// root mounted read-write, then a record.
//
// The rule: save what can be saved, in order of worth, and always finish.
// The vmcore first (makedumpfile when the image has it, else a sparse copy:
// a dump without filtering beats none), then the log, then the record that
// marks the dump complete, then sync. Each failure is written into the
// record and the capture goes on; the caller then does the configured
// action. The steps go through CaptureOps, so the sequence is unit-tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "kdump/dump_record.h"
#include "kdump/kdump_config.h"

namespace fastinit {

class CaptureOps {
  public:
    virtual ~CaptureOps() = default;
    virtual long long epoch_seconds() = 0;  // CLOCK_REALTIME
    virtual long long now_us() = 0;         // CLOCK_BOOTTIME
    virtual std::string kernel_release() = 0;
    // mkdir -p; an error when `path` exists already (another capture's).
    virtual Result<void> make_new_directory(const std::string& path) = 0;
    virtual bool is_executable(const std::string& path) = 0;
    // Runs `argv` to completion, its standard output into `stdout_path`
    // ("" to the console); an error unless it exited 0.
    virtual Result<void> run(const std::vector<std::string>& argv,
                             const std::string& stdout_path) = 0;
    // Copies `from` to `to` leaving holes where `from` reads zeros; the
    // bytes copied (the file's size).
    virtual Result<uint64_t> copy_sparse(const std::string& from, const std::string& to) = 0;
    virtual Result<uint64_t> file_size(const std::string& path) = 0;
    virtual Result<void> rename(const std::string& from, const std::string& to) = 0;
    virtual Result<void> remove(const std::string& path) = 0;
    virtual Result<void> write_file(const std::string& path, const std::string& text) = 0;
    virtual void sync() = 0;
};

// Where makedumpfile may be in a capture image or a root (Debian: /usr/bin).
inline const std::vector<std::string> kMakedumpfilePaths = {
    "/usr/bin/makedumpfile", "/usr/sbin/makedumpfile", "/bin/makedumpfile", "/sbin/makedumpfile"};
// kexec-tools' reader of the log alone, used when makedumpfile is missing.
inline const std::vector<std::string> kVmcoreDmesgPaths = {"/usr/sbin/vmcore-dmesg",
                                                           "/sbin/vmcore-dmesg"};

struct CaptureResult {
    std::string directory;  // "" when none could be made
    DumpRecord record;
    bool record_written = false;
};

// What stage 1 learns from a capture: the result, and the action the
// config asks for (reboot when the config could not be read).
struct CaptureOutcome {
    CaptureResult result;
    KdumpAction action = KdumpAction::reboot;
    std::optional<Error> config_error;
};

// `root` is where the root filesystem is mounted ("" for /): the dump goes
// to root + config.target. `vmcore` is /proc/vmcore.
CaptureResult capture_dump(CaptureOps& ops, const KdumpConfig& config, const std::string& root,
                           const std::string& vmcore = "/proc/vmcore");

// The makedumpfile command line for `config`.
std::vector<std::string> makedumpfile_argv(const std::string& program, const KdumpConfig& config,
                                           const std::string& vmcore, const std::string& out);

}  // namespace fastinit
