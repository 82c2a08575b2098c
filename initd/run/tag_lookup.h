// Rule: libblkid never runs on PID 1's event loop. Resolving a tag
// (UUID=..., LABEL=...) without udevd means reading superblocks, and a disk
// that hangs (a SCSI timeout, a dying USB stick) would freeze PID 1 for as
// long. So a tag is looked up on one worker thread: answer() returns what a
// finished lookup said, or nothing yet (and queues the tag), and the worker
// makes wake_fd() readable when it has new answers, for the loop to look
// again. Answers hold until forget(), which the watcher calls on a new cue
// (a uevent, its timer); the worker runs while tags are queued, starting a
// lookup at most every kMinInterval, so a storm of cues costs one lookup
// after another, never a crowd of them nor a busy CPU.
//
// The worker only calls the lookup function, touches the shared state
// under its mutex and writes the eventfd; it never forks nor logs.
// Destruction joins it, so it waits for a lookup in progress (PID 1 never
// destroys its watcher).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "base/mutex.h"
#include "base/unique_fd.h"

namespace fastinit {

class BackgroundTagLookup {
  public:
    // Whether a device with TAG=VALUE exists now (may block: runs on the worker).
    using Lookup = std::function<bool(const std::string& tag, const std::string& value)>;
    static constexpr std::chrono::milliseconds kMinInterval{200};

    explicit BackgroundTagLookup(Lookup lookup);
    ~BackgroundTagLookup();
    BackgroundTagLookup(const BackgroundTagLookup&) = delete;
    BackgroundTagLookup& operator=(const BackgroundTagLookup&) = delete;

    // Never blocks on the lookup itself.
    std::optional<bool> answer(const std::string& tag, const std::string& value) EXCLUDES(m_mutex);
    void forget() EXCLUDES(m_mutex);
    // An eventfd, readable once the worker has new answers (-1 when none
    // could be made: then the watcher's timer alone looks again).
    int wake_fd() const { return m_wake.get(); }
    // Empties wake_fd() after it was readable.
    void drain_wake_fd();

  private:
    using Key = std::pair<std::string, std::string>;
    void work() EXCLUDES(m_mutex);

    Lookup m_lookup;
    UniqueFd m_wake;
    Mutex m_mutex;
    std::map<Key, bool> m_answers GUARDED_BY(m_mutex);
    std::set<Key> m_queued GUARDED_BY(m_mutex);
    bool m_running GUARDED_BY(m_mutex) = false;
    bool m_stopping GUARDED_BY(m_mutex) = false;
    std::chrono::steady_clock::time_point m_last_start GUARDED_BY(m_mutex);
    // Only the loop's thread starts and joins it.
    std::thread m_worker;
};

}  // namespace fastinit
