#include "initd/run/journal.h"

#include <algorithm>

namespace fastinit {
namespace {

JournalLine dropped_line(uint64_t count) {
    JournalLine line;
    line.unit = "journal";
    line.priority = kPriorityWarning;
    line.text = std::to_string(count) + (count == 1 ? " line dropped" : " lines dropped");
    return line;
}

}  // namespace

uint32_t Journal::intern(std::string_view unit) {
    auto found = m_unit_index.find(unit);
    if (found != m_unit_index.end())
        return found->second;
    auto index = static_cast<uint32_t>(m_units.size());
    m_units.emplace_back(unit);
    m_unit_dropped.push_back(0);
    m_unit_index.emplace(std::string(unit), index);
    return index;
}

void Journal::append(std::string_view unit, pid_t pid, int priority, std::string_view text,
                     long long realtime_us, long long boottime_us) {
    LockGuard lock(m_mutex);
    Entry entry{m_next_seq++, intern(unit),     pid, realtime_us, boottime_us,
                priority,     std::string(text)};
    const size_t needed = cost(entry);
    make_room(needed);
    m_bytes += needed;
    m_entries.push_back(std::move(entry));
    if (m_waiters > 0)
        m_appended.notify_all();
}

void Journal::make_room(size_t needed) {
    while (!m_entries.empty() && m_bytes + needed > m_budget) {
        const Entry& oldest = m_entries.front();
        m_bytes -= cost(oldest);
        ++m_dropped;
        ++m_unit_dropped[oldest.unit];
        m_entries.pop_front();
    }
    // A deque keeps the blocks it emptied; a journal that shrank gives
    // them back.
    if (m_entries.empty())
        m_entries.shrink_to_fit();
}

void Journal::set_budget(size_t budget) {
    LockGuard lock(m_mutex);
    m_budget = budget;
    make_room(0);
}

bool Journal::wanted(const Entry& e, const std::vector<uint32_t>& units) const {
    return units.empty() || std::find(units.begin(), units.end(), e.unit) != units.end();
}

JournalPage Journal::read(const JournalQuery& query) const {
    LockGuard lock(m_mutex);
    JournalPage page;
    page.next = query.after;
    // Names the journal never saw match nothing; they must not make the
    // query match everything either.
    std::vector<uint32_t> units;
    bool any_known = query.units.empty();
    for (const auto& name : query.units) {
        auto found = m_unit_index.find(name);
        if (found != m_unit_index.end()) {
            units.push_back(found->second);
            any_known = true;
        }
    }
    if (!any_known) {
        page.next = std::max(query.after, m_next_seq - 1);
        return page;
    }

    // Where to begin: after the cursor, or the tail-th last matching line.
    const uint64_t first_seq = m_entries.empty() ? m_next_seq : m_entries.front().seq;
    size_t begin = query.after < first_seq ? 0 : static_cast<size_t>(query.after - first_seq + 1);
    begin = std::min(begin, m_entries.size());
    bool from_tail = false;
    if (query.tail > 0) {
        size_t matched = 0;
        size_t i = m_entries.size();
        while (i > begin && matched < query.tail) {
            --i;
            if (wanted(m_entries[i], units))
                ++matched;
        }
        // The reader asked for the last lines and has them all: what went
        // before, dropped or not, is not what it asked about.
        from_tail = matched == query.tail;
        begin = i;
    }

    // The count of what this reader missed, as a line of its own.
    if (!from_tail && query.after + 1 < first_seq) {
        uint64_t missed = 0;
        if (query.after == 0) {
            if (units.empty())
                missed = m_dropped;
            else
                for (uint32_t u : units)
                    missed += m_unit_dropped[u];
        } else {
            missed = first_seq - query.after - 1;
        }
        if (missed > 0)
            page.lines.push_back(dropped_line(missed));
        page.next = first_seq - 1;
    }

    size_t bytes = 0;
    size_t i = begin;
    for (; i < m_entries.size(); ++i) {
        const Entry& e = m_entries[i];
        if (page.lines.size() >= query.max_lines || bytes >= query.max_bytes) {
            page.more = true;
            break;
        }
        page.next = e.seq;
        if (!wanted(e, units))
            continue;
        bytes += e.text.size() + m_units[e.unit].size();
        page.lines.push_back(
            {e.seq, m_units[e.unit], e.pid, e.realtime_us, e.boottime_us, e.priority, e.text});
    }
    return page;
}

JournalStats Journal::stats() const {
    LockGuard lock(m_mutex);
    return {m_next_seq - 1, m_dropped, m_bytes, m_budget};
}

uint64_t Journal::dropped_of(std::string_view unit) const {
    LockGuard lock(m_mutex);
    auto found = m_unit_index.find(unit);
    return found == m_unit_index.end() ? 0 : m_unit_dropped[found->second];
}

uint64_t Journal::last_seq() const {
    LockGuard lock(m_mutex);
    return m_next_seq - 1;
}

void Journal::wait_after(uint64_t seq, const std::atomic<bool>& stop,
                         std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    LockGuard lock(m_mutex);
    ++m_waiters;
    // `stop` is set before wake_waiters takes the lock, so it is seen
    // either here or by the wait it wakes.
    while (m_next_seq - 1 <= seq && !stop.load()) {
        if (m_appended.wait_until(m_mutex, deadline) == std::cv_status::timeout)
            break;
    }
    --m_waiters;
}

void Journal::wake_waiters() const {
    LockGuard lock(m_mutex);
    m_appended.notify_all();
}

}  // namespace fastinit
