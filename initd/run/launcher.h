// The real ProcessControl: spawns unit processes on TBB worker threads and
// hands the results back to the main thread.
//
// Preparing a process (resolving the user, opening its output) and the clone
// itself run on the TBB pool, so independent units are created in parallel
// and the main thread keeps serving events meanwhile. Workers never wait for
// a process to become ready: a worker is busy only until the child has
// executed its program. Results are queued and an eventfd wakes the main
// loop, which calls drain().
#pragma once

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <functional>
#include <memory>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "base/unique_fd.h"
#include "initd/run/interfaces.h"
#include "initd/run/manager.h"
#include "initd/run/service_directories.h"

namespace fastinit {

struct LauncherOptions {
    std::string etc_dir = "/etc";  // passwd and group
    // Where runtime_directory, state_directory and logs_directory live.
    DirectoryBases directories;
};

class Launcher : public ProcessControl {
  public:
    explicit Launcher(LauncherOptions options);
    ~Launcher() override;

    // Makes oneTBB create every worker now. oneTBB creates its threads when
    // work first arrives, and a thread it cannot create then (a pids limit,
    // a shortage) makes it throw or leave the work queued with no thread to
    // run it. When the workers cannot all be had now, the launcher creates
    // processes on the calling thread from then on, and this returns false.
    bool warm_up();
    // True once processes are created on the main thread (see warm_up).
    bool inline_spawning() const { return m_inline; }

    void spawn(UnitId unit, SpawnRequest request) override;
    void kill(pid_t pid, int signal) override;
    void kill_process(pid_t pid, int signal) override;
    std::optional<pid_t> session_of(pid_t pid) override;
    std::optional<pid_t> parent_of(pid_t pid) override;
    Result<std::string> read_pid_file(const std::string& path) override;
    void remove_runtime_directories(const std::string& unit,
                                    const std::vector<std::string>& names) override;

    // Where the read end of a "journal" (or "kmsg") pipe goes, with the
    // unit and the pid it was made for, and whether the unit's output is
    // "kmsg", on the main thread, just before the manager hears of the
    // spawn. Without a receiver the pipe is closed.
    using OutputReceiver =
        std::function<void(const std::string& unit, pid_t, UniqueFd, bool to_kmsg)>;
    void set_output_receiver(OutputReceiver receiver) { m_output_receiver = std::move(receiver); }

    // Readable when results are waiting.
    int event_fd() const { return m_event_fd.get(); }
    // Main thread: delivers finished spawns to the manager.
    void drain(Manager& manager) EXCLUDES(m_mutex);

  private:
    struct Outcome {
        UnitId unit;
        std::string unit_name;
        Result<SpawnResult> result;
        UniqueFd output;  // the read end of its output pipe, if any
        bool to_kmsg = false;
    };
    // `output` gets the read end of the process's journal pipe, if it has one.
    Result<SpawnResult> run_spawn(const SpawnRequest& request, UniqueFd& output);
    // Any thread: spawns, queues the outcome and wakes the main loop.
    void spawn_and_finish(UnitId unit, const SpawnRequest& request) EXCLUDES(m_mutex);
    Result<int> open_output(const OutputTarget& target, int inherit_fd, UniqueFd& owned,
                            UniqueFd& journal_read_end);

    // What a queued task checks before it touches the launcher: oneTBB may
    // run a task late, or never (see ~Launcher), so a task holds `running`
    // shared while it works and does nothing once `abandoned` is set.
    struct Lifeline {
        SharedMutex running;
        bool abandoned GUARDED_BY(running) = false;
    };

    LauncherOptions m_options;
    int m_last_capability;  // the kernel's, for the bounding set
    bool m_inline = false;
    OutputReceiver m_output_receiver;
    std::shared_ptr<Lifeline> m_lifeline = std::make_shared<Lifeline>();
    UniqueFd m_event_fd;
    // Spawn outcomes from the workers, until the main thread drains them.
    Mutex m_mutex;
    std::vector<Outcome> m_done GUARDED_BY(m_mutex);
    // TBB caps workers at (cores - 1) by default, keeping a slot for a main
    // thread that would join; ours never does, so lift the cap by one.
    tbb::global_control m_parallelism;
    tbb::task_arena m_arena;
    // Behind a pointer: task_group's destructor may throw, ours must not.
    std::unique_ptr<tbb::task_group> m_group = std::make_unique<tbb::task_group>();
};

}  // namespace fastinit
