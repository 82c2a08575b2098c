#include "initd/run/journal_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "base/text.h"
#include "initd/run/service_output.h"

namespace fastinit {
namespace {

constexpr std::chrono::milliseconds kRetryInterval{1000};
constexpr std::chrono::milliseconds kIdleWait{5000};
constexpr size_t kPageLines = 2000;
constexpr size_t kPageBytes = 256 << 10;

// A line of the journal's own in the file (pid 0, unit "journal").
JournalLine own_line(std::string text) {
    JournalLine line;
    line.unit = "journal";
    line.priority = kPriorityWarning;
    line.realtime_us = realtime_now_us();
    line.text = std::move(text);
    return line;
}

Result<void> write_all(int fd, std::string_view data, uint64_t& written) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return system_error("cannot write", n < 0 ? errno : ENOSPC);
        written += static_cast<uint64_t>(n);
        data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
}

}  // namespace

JournalWriter::JournalWriter(const Journal& journal, JournalWriterOptions options)
    : m_journal(journal), m_options(std::move(options)) {}

JournalWriter::~JournalWriter() {
    finish(std::chrono::seconds(1));
}

void JournalWriter::start() {
    if (started())
        return;
    m_thread = std::thread([this] { run(); });
}

void JournalWriter::finish(std::chrono::milliseconds deadline) {
    if (m_finished)
        return;
    m_finished = true;
    if (!m_thread.joinable())
        return;
    m_deadline = std::chrono::steady_clock::now() + deadline;
    m_stop.store(true);
    m_journal.wake_waiters();
    m_thread.join();
}

JournalWriterStats JournalWriter::stats() const {
    return {m_boot.load(), m_written.load(), m_unwritten.load(), m_files_made.load()};
}

bool JournalWriter::open_directory() {
    const std::string& dir = m_options.dir;
    if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST)
        return false;  // the filesystem is read-only, or /var/log not there yet
    // Root writes files here: a directory someone else could change would
    // let them point our writes anywhere.
    auto opened = open_private_directory(dir);
    if (!opened) {
        log::error("persistent journal: ", opened.error().message, "; not writing it");
        m_stop.store(true);
        return false;
    }
    auto files = list_journal_files(dir);
    if (!files) {
        log::error("persistent journal: ", files.error().message, "; not writing it");
        m_stop.store(true);
        return false;
    }
    m_dir = std::move(*opened);
    m_boot.store(next_journal_boot(*files));
    if (!m_options.boot_file.empty())
        if (auto r = write_file_atomically(m_options.boot_file,
                                           std::to_string(m_boot.load()) + "\n", 0644);
            !r)
            log::warning("persistent journal: ", r.error().message);
    log::debug("persistent journal: boot ", m_boot.load(), " in ", dir);
    return next_file();
}

// Closes the file being written and makes the next, after removing the
// oldest files so that the new one keeps the directory within its bound.
bool JournalWriter::next_file() {
    m_file.reset();
    auto files = list_journal_files(m_options.dir);
    if (!files) {
        log::warning("persistent journal: ", files.error().message);
        return false;
    }
    for (const auto& old : journal_files_to_remove(*files, m_options.files))
        if (::unlinkat(m_dir.get(), format_journal_file_name(old).c_str(), 0) < 0 &&
            errno != ENOENT)
            log::warning("persistent journal: cannot remove ", format_journal_file_name(old), ": ",
                         std::strerror(errno));
    // Someone may have made the next name: then the one after.
    for (int tries = 0; tries < 16 && !m_file; ++tries) {
        std::string name = format_journal_file_name({m_boot.load(), ++m_part});
        m_file = UniqueFd(::openat(m_dir.get(), name.c_str(),
                                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640));
        if (!m_file && errno != EEXIST)
            break;
    }
    if (!m_file)
        return false;
    m_size = 0;
    ++m_files_made;
    if (!write_all(m_file.get(), kJournalFileHeader, m_size)) {
        m_file.reset();
        return false;
    }
    return true;
}

// Writes `buffer` (`records` records) to the file; on failure they are
// counted, and the file is given up (the next write makes a new one).
bool JournalWriter::flush(std::string& buffer, uint64_t records) {
    if (buffer.empty())
        return true;
    Result<void> written = Error{"no file to write to", 0};
    if (m_file || next_file())
        written = write_all(m_file.get(), buffer, m_size);
    buffer.clear();
    if (written) {
        m_written += records;
        if (m_failing)
            log::info("persistent journal: writing to ", m_options.dir, " again");
        m_failing = false;
        return true;
    }
    m_unwritten += records;
    m_pending_unwritten += records;
    m_file.reset();
    if (!m_failing)
        log::warning("persistent journal: ", m_options.dir, ": ", written.error().message,
                     "; the lines not written are counted");
    m_failing = true;
    return false;
}

bool JournalWriter::write_page(const std::vector<JournalLine>& lines) {
    std::string buffer;
    uint64_t records = 0;
    // A record longer than a file can hold is cut to fit.
    const size_t max_record = static_cast<size_t>(m_options.file_size) / 2;
    auto add = [&](const JournalLine& line) {
        std::string record = format_journal_record(line);
        if (record.size() > max_record) {
            record.resize(max_record - 1);
            record += '\n';
        }
        if (m_file && m_size + buffer.size() + record.size() > m_options.file_size) {
            if (!flush(buffer, records))
                return;
            records = 0;
            if (!next_file())
                return;
        }
        buffer += record;
        ++records;
    };
    if (m_pending_unwritten > 0) {
        uint64_t count = m_pending_unwritten;
        m_pending_unwritten = 0;
        add(own_line(std::to_string(count) + (count == 1 ? " line" : " lines") +
                     " not written to " + m_options.dir));
    }
    for (const JournalLine& line : lines) {
        if (line.seq == 0) {
            JournalLine stamped = line;  // the journal's own: when it was written
            stamped.realtime_us = realtime_now_us();
            add(stamped);
        } else {
            add(line);
        }
    }
    return flush(buffer, records);
}

void JournalWriter::run() {
    // Tried once more after finish() was called: what the journal holds
    // still goes if the directory has become writable.
    for (;;) {
        if (open_directory() || m_dir)  // opened, maybe without a file yet
            break;
        if (m_stop.load())
            return;
        // Not yet writable: look again in a second (or stop).
        m_journal.wait_after(UINT64_MAX, m_stop, kRetryInterval);
    }
    if (!m_dir)
        return;
    for (;;) {
        bool stopping = m_stop.load();
        if (stopping && std::chrono::steady_clock::now() >= m_deadline)
            break;
        JournalQuery query;
        query.after = m_cursor;
        query.max_lines = kPageLines;
        query.max_bytes = kPageBytes;
        JournalPage page = m_journal.read(query);
        if (!page.lines.empty() || m_pending_unwritten > 0)
            write_page(page.lines);
        m_cursor = page.next;
        if (page.more)
            continue;
        if (stopping)
            break;
        m_journal.wait_after(m_cursor, m_stop, kIdleWait);
    }
    if (m_file && ::fdatasync(m_file.get()) < 0)
        log::warning("persistent journal: cannot sync: ", std::strerror(errno));
    m_file.reset();
}

}  // namespace fastinit
