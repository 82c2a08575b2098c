#include "initd/run/service_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/boot_clock.h"
#include "base/log.h"

namespace fastinit {
namespace {

// Below the default of every other source (signals, the bus, notify,
// timers): output waits, the manager's work does not.
constexpr int64_t kOutputPriority = SD_EVENT_PRIORITY_NORMAL + 10;

}  // namespace

long long realtime_now_us() {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

ServiceOutput::ServiceOutput(sd_event* event, Journal& journal, Forward forward)
    : m_event(event), m_journal(journal), m_forward(std::move(forward)) {}

ServiceOutput::~ServiceOutput() {
    for (auto& [key, pipe] : m_pipes)
        sd_event_source_disable_unref(pipe->source);
}

void ServiceOutput::watch(const std::string& unit, pid_t pid, UniqueFd read_end, bool to_kmsg,
                          bool to_console) {
    auto pipe = std::make_unique<Pipe>();
    pipe->owner = this;
    pipe->unit = unit;
    pipe->pid = pid;
    pipe->to_kmsg = to_kmsg;
    pipe->to_console = to_console;
    pipe->fd = std::move(read_end);
    int r =
        sd_event_add_io(m_event, &pipe->source, pipe->fd.get(), EPOLLIN, on_readable, pipe.get());
    if (r >= 0)
        r = sd_event_source_set_priority(pipe->source, kOutputPriority);
    if (r < 0) {
        log::warning(unit, ": cannot read its output: ", std::strerror(-r));
        sd_event_source_disable_unref(pipe->source);
        return;
    }
    Pipe* key = pipe.get();
    m_pipes.emplace(key, std::move(pipe));
}

int ServiceOutput::on_readable(sd_event_source*, int, uint32_t, void* userdata) {
    auto* pipe = static_cast<Pipe*>(userdata);
    pipe->owner->read_some(*pipe);
    return 0;
}

void ServiceOutput::store(const Pipe& pipe, int priority, std::string_view text) {
    const long long realtime = realtime_now_us();
    const long long boottime = boottime_us();
    m_journal.append(pipe.unit, pipe.pid, priority, text, realtime, boottime);
    if (pipe.to_console) {
        // A line that names itself already (stage 2 logs as
        // "fastinit[stage2]: ...") is not prefixed twice.
        std::string prefix = "fastinit[" + pipe.unit + "]: ";
        std::string line = (text.starts_with(prefix) ? "" : prefix) + std::string(text) + "\n";
        [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    }
    if (m_forward)
        m_forward({0, pipe.unit, pipe.pid, realtime, boottime, priority, std::string(text)},
                  pipe.to_kmsg);
}

void ServiceOutput::read_some(Pipe& pipe) {
    auto sink = [this, &pipe](int priority, std::string_view text) { store(pipe, priority, text); };
    ssize_t n = ::read(pipe.fd.get(), m_buffer.get(), kReadChunk);
    if (n > 0) {
        pipe.lines.feed(std::string_view(m_buffer.get(), static_cast<size_t>(n)), sink);
        return;  // sd-event comes back while there is more
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    // End of file (every writer closed it) or an error: the rest is the
    // last line.
    pipe.lines.finish(sink);
    close_pipe(pipe);
}

void ServiceOutput::close_pipe(Pipe& pipe) {
    m_cut_lines += pipe.lines.cut_lines();
    if (pipe.lines.cut_lines() > 0)
        log::info(pipe.unit, ": ", pipe.lines.cut_lines(), " lines longer than ", kMaxLineBytes,
                  " bytes were cut (", pipe.lines.cut_bytes(), " bytes left out)");
    sd_event_source_disable_unref(pipe.source);
    m_pipes.erase(&pipe);  // frees `pipe`
}

}  // namespace fastinit
