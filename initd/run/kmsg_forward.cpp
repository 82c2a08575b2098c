#include "initd/run/kmsg_forward.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"

namespace fastinit {

void KmsgForward::forward(const JournalLine& line, std::chrono::steady_clock::time_point now) {
    auto found = m_writers.find(line.unit);
    if (found == m_writers.end()) {
        Writer writer;
        writer.fd.reset(::open(m_path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
        found = m_writers.emplace(line.unit, std::move(writer)).first;
    }
    Writer& writer = found->second;
    if (!writer.fd)
        return;  // no kernel log here: the journal has the line
    if (!writer.budget.allow(now)) {
        ++m_held_back;
        return;
    }
    // The note takes one of the budget's records, the line waits for the
    // next: the kernel would drop a record past its budget.
    if (uint64_t held = writer.budget.take_suppressed()) {
        std::string note = log::cat("<4>", line.unit, ": ", held,
                                    " lines not forwarded to the kernel log (fastinit logs ",
                                    line.unit, " has them)\n");
        [[maybe_unused]] ssize_t n = ::write(writer.fd.get(), note.data(), note.size());
        if (!writer.budget.allow(now)) {
            ++m_held_back;
            return;
        }
    }
    std::string record =
        log::cat("<", line.priority, ">", line.unit, "[", line.pid, "]: ", line.text, "\n");
    [[maybe_unused]] ssize_t n = ::write(writer.fd.get(), record.data(), record.size());
}

}  // namespace fastinit
