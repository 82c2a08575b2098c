#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "base/mutex.h"

namespace fastinit::log {

void detail::append(std::string& out, double value) {
    char text[32];
    int n = std::snprintf(text, sizeof text, "%g", value);
    if (n > 0)
        out.append(text,
                   static_cast<size_t>(n) < sizeof text ? static_cast<size_t>(n) : sizeof text - 1);
}
namespace {

std::atomic<Level> g_min_level{Level::info};
std::atomic<int> g_kmsg_fd{-1};
Mutex g_prefix_mutex;
std::string g_prefix GUARDED_BY(g_prefix_mutex) = "fastinit";
// Held while the sink runs, so clearing it waits for calls in progress.
Mutex g_sink_mutex;
Sink g_sink GUARDED_BY(g_sink_mutex) = nullptr;
void* g_sink_context GUARDED_BY(g_sink_mutex) = nullptr;

// kmsg priorities (syslog levels) for each of our levels.
int kmsg_priority(Level level) {
    switch (level) {
        case Level::debug:
            return 7;
        case Level::info:
            return 6;
        case Level::warning:
            return 4;
        case Level::error:
            return 3;
    }
    return 6;
}

const char* level_tag(Level level) {
    switch (level) {
        case Level::debug:
            return "debug: ";
        case Level::info:
            return "";
        case Level::warning:
            return "warning: ";
        case Level::error:
            return "error: ";
    }
    return "";
}

void write_line(Level level, const char* tag, std::string_view message) {
    if (level < g_min_level.load())
        return;
    std::string prefix;
    {
        LockGuard lock(g_prefix_mutex);
        prefix = g_prefix;
    }
    // One write(2) per line keeps lines from concurrent threads whole.
    int kmsg = g_kmsg_fd.load();
    // The kernel already echoes errors in its log to the console (even with
    // "quiet"); writing them there too would print them twice.
    bool console_gets_it_from_kernel = kmsg >= 0 && level == Level::error;
    std::string line = prefix + ": " + tag + std::string(message) + "\n";
    [[maybe_unused]] ssize_t n = 0;
    if (!console_gets_it_from_kernel)
        n = ::write(STDERR_FILENO, line.data(), line.size());
    if (kmsg >= 0) {
        std::string kline = "<" + std::to_string(kmsg_priority(level)) + ">" + prefix + ": " +
                            std::string(message) + "\n";
        n = ::write(kmsg, kline.data(), kline.size());
    }
    LockGuard lock(g_sink_mutex);
    if (g_sink)
        g_sink(g_sink_context, kmsg_priority(level), std::string(tag) + std::string(message));
}

}  // namespace

void set_min_level(Level level) {
    g_min_level = level;
}

void enable_kmsg() {
    if (g_kmsg_fd >= 0)
        return;
    int fd = ::open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
    g_kmsg_fd = fd;
}

void set_sink(Sink sink, void* context) {
    LockGuard lock(g_sink_mutex);
    g_sink = sink;
    g_sink_context = context;
}

void set_prefix(std::string prefix) {
    LockGuard lock(g_prefix_mutex);
    g_prefix = std::move(prefix);
}

void write(Level level, std::string_view message) {
    write_line(level, level_tag(level), message);
}

void write_untagged(Level level, std::string_view message) {
    write_line(level, "", message);
}

}  // namespace fastinit::log
