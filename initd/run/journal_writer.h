// The persistent journal: PID 1's journal lines, also in files under
// /var/log/fastinit/ (journal_files.h), so that the boot before can be read
// after a reboot or a kexec.
//
// Rule: the event loop never waits for the disk. A thread of its own reads
// the in-memory journal from its cursor, as a follower would, and writes
// what it reads; the loop only appends to the journal as always. When the
// disk is slower than the services, the journal's ring overtakes the cursor
// and the file gets the journal's own "N lines dropped" line: what could not
// be written is counted, in the file itself. A write that fails (a full or
// broken disk) counts its lines, and the next record that goes says how many
// ("N lines not written to DIR").
//
// Bounds: at most `files` files of at most `file_size` bytes each, ours in
// the directory; before a new file is made, the oldest go (the boot before's
// first, then this boot's own oldest). Each boot takes a new boot number
// (one past the highest in the directory) and writes its number to
// `boot_file` (in /run, so gone after a reboot) for `fastinit logs --boot`
// to know which boot is the running one.
//
// start() once the directory's filesystem is mounted and writable (after
// local-fs: before it, /var/log may be the read-only root's, or not yet the
// disk it will be); until the directory can be opened the thread retries
// every second. finish() writes what is left (within a deadline), syncs and
// closes: before filesystems are unmounted or remounted read-only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "initd/run/journal.h"
#include "initd/run/journal_files.h"

namespace fastinit {

struct JournalWriterOptions {
    std::string dir = kJournalDir;
    uint64_t file_size = kDefaultJournalFileSize;
    uint64_t files = kDefaultJournalFiles;
    std::string boot_file;  // empty: none written
};

struct JournalWriterStats {
    uint64_t boot = 0;       // 0: not writing yet
    uint64_t written = 0;    // records
    uint64_t unwritten = 0;  // lines whose write failed
    uint64_t files_made = 0;
};

class JournalWriter {
  public:
    JournalWriter(const Journal& journal, JournalWriterOptions options);
    ~JournalWriter();  // finish(1 s)
    JournalWriter(const JournalWriter&) = delete;
    JournalWriter& operator=(const JournalWriter&) = delete;

    // Starts the thread (once; later calls do nothing).
    void start();
    // Writes what the journal holds now, for at most `deadline`, then syncs
    // and closes the file and ends the thread. Once only.
    void finish(std::chrono::milliseconds deadline);
    bool started() const { return m_thread.joinable() || m_finished; }

    JournalWriterStats stats() const;

  private:
    void run();
    bool open_directory();
    bool write_page(const std::vector<JournalLine>& lines);
    bool next_file();
    bool flush(std::string& buffer, uint64_t records);

    const Journal& m_journal;
    JournalWriterOptions m_options;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    bool m_finished = false;
    // Set before m_stop; the thread reads it after it sees m_stop.
    std::chrono::steady_clock::time_point m_deadline;

    // The thread's own.
    UniqueFd m_dir;
    UniqueFd m_file;
    uint64_t m_size = 0;
    uint64_t m_part = 0;
    uint64_t m_cursor = 0;
    uint64_t m_pending_unwritten = 0;  // not yet said in a record
    bool m_failing = false;
    std::atomic<uint64_t> m_boot{0}, m_written{0}, m_unwritten{0}, m_files_made{0};
};

}  // namespace fastinit
