// The journal: the last lines that services and the manager wrote, kept in
// PID 1's memory within a fixed budget of bytes.
//
// Rule: a line is either in the journal or counted as dropped, never lost
// without a count. When a new line does not fit, the oldest lines go (ring
// order) and each is counted, overall and for its unit; a reader starting
// before them gets one line of its own saying how many are gone ("N lines
// dropped"). Every line gets a sequence number (1, 2, ...) in the order it
// came in, so readers page and follow by sequence; a gap between a reader's
// cursor and the oldest line kept is exactly the lines dropped since.
//
// Each line costs its text plus kLineOverhead bytes against the budget (the
// entry, its allocation), so the budget bounds what the journal holds, not
// just the text. Safe to use from any thread (the manager logs from the
// launcher's workers too).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/journal_record.h"
#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace fastinit {

inline constexpr size_t kDefaultJournalSize = 1 << 20;
// The budget a configuration may set: from 64 KiB to 256 MiB.
inline constexpr size_t kMinJournalSize = 64 << 10;
inline constexpr size_t kMaxJournalSize = 256 << 20;

// What a reader asks for: lines after `after` (a sequence number; 0: from
// the oldest), of the named units only (empty: all), and when `tail` is
// non-zero only the last `tail` of those. A reply ends at `max_lines` or
// once its text passes `max_bytes`; `next` is then where to go on from.
struct JournalQuery {
    std::vector<std::string> units;
    uint64_t after = 0;
    size_t tail = 0;
    size_t max_lines = 10000;
    size_t max_bytes = 1 << 20;
};

struct JournalPage {
    std::vector<JournalLine> lines;
    uint64_t next = 0;  // the cursor for the next query (`after`)
    bool more = false;  // stopped at a bound: lines after `next` wait
};

struct JournalStats {
    uint64_t lines = 0;    // ever appended
    uint64_t dropped = 0;  // of those, pushed out for newer ones
    size_t bytes = 0;      // charged now
    size_t budget = 0;
};

class Journal {
  public:
    static constexpr size_t kLineOverhead = 96;

    explicit Journal(size_t budget = kDefaultJournalSize) : m_budget(budget) {}

    // A new budget (once the configuration is read); what no longer fits
    // is dropped, oldest first, and counted.
    void set_budget(size_t budget) EXCLUDES(m_mutex);

    // Appends a line; older lines go until it fits. A line larger than the
    // whole budget is kept alone (the caller bounds lines far below it).
    void append(std::string_view unit, pid_t pid, int priority, std::string_view text,
                long long realtime_us, long long boottime_us) EXCLUDES(m_mutex);

    // Lines as the query asks, oldest first. Starting before the oldest line
    // kept, the page begins with a line of the journal's own (seq 0, unit
    // "journal") that says how many lines were dropped: for a query from the
    // start, those of the named units (all of them when none is named);
    // for a cursor the journal has overtaken, all lines between it and the
    // oldest kept, of whatever unit, since the reader cannot have seen them.
    JournalPage read(const JournalQuery& query) const EXCLUDES(m_mutex);

    JournalStats stats() const EXCLUDES(m_mutex);
    uint64_t dropped_of(std::string_view unit) const EXCLUDES(m_mutex);
    // The sequence number of the newest line (0: none yet).
    uint64_t last_seq() const EXCLUDES(m_mutex);

    // For a reader on a thread of its own (the persistent journal's
    // writer): waits until there is a line after `seq`, `stop` is set (and
    // wake_waiters called), or `timeout` has passed.
    void wait_after(uint64_t seq, const std::atomic<bool>& stop,
                    std::chrono::milliseconds timeout) const EXCLUDES(m_mutex);
    // Wakes the waiters to look at their `stop` again.
    void wake_waiters() const EXCLUDES(m_mutex);

  private:
    struct Entry {
        uint64_t seq;
        uint32_t unit;  // index into m_units
        pid_t pid;
        long long realtime_us;
        long long boottime_us;
        int priority;
        std::string text;
    };
    static size_t cost(const Entry& e) { return e.text.size() + kLineOverhead; }
    uint32_t intern(std::string_view unit) REQUIRES(m_mutex);
    void make_room(size_t needed) REQUIRES(m_mutex);
    bool wanted(const Entry& e, const std::vector<uint32_t>& units) const REQUIRES(m_mutex);

    mutable Mutex m_mutex;
    size_t m_budget GUARDED_BY(m_mutex);
    std::deque<Entry> m_entries GUARDED_BY(m_mutex);
    size_t m_bytes GUARDED_BY(m_mutex) = 0;
    uint64_t m_next_seq GUARDED_BY(m_mutex) = 1;
    uint64_t m_dropped GUARDED_BY(m_mutex) = 0;
    // Unit names, each stored once; dropped lines per unit (same index).
    std::vector<std::string> m_units GUARDED_BY(m_mutex);
    std::map<std::string, uint32_t, std::less<>> m_unit_index GUARDED_BY(m_mutex);
    std::vector<uint64_t> m_unit_dropped GUARDED_BY(m_mutex);
    // Appending only wakes anyone when someone waits.
    mutable std::condition_variable_any m_appended;
    mutable int m_waiters GUARDED_BY(m_mutex) = 0;
};

}  // namespace fastinit
