#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace fastinit::log {
namespace {

std::atomic<Level> g_min_level{Level::info};
std::atomic<int> g_kmsg_fd{-1};
std::mutex g_prefix_mutex;
std::string g_prefix = "fastinit";

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

void set_prefix(std::string prefix) {
    std::lock_guard lock(g_prefix_mutex);
    g_prefix = std::move(prefix);
}

void write(Level level, std::string_view message) {
    if (level < g_min_level.load())
        return;
    std::string prefix;
    {
        std::lock_guard lock(g_prefix_mutex);
        prefix = g_prefix;
    }
    // One write(2) per line keeps lines from concurrent threads whole.
    std::string line = prefix + ": " + level_tag(level) + std::string(message) + "\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
    int kmsg = g_kmsg_fd.load();
    if (kmsg >= 0) {
        std::string kline = "<" + std::to_string(kmsg_priority(level)) + ">" + prefix + ": " +
                            std::string(message) + "\n";
        n = ::write(kmsg, kline.data(), kline.size());
    }
}

}  // namespace fastinit::log
