// The resident memory below which PID 1 cannot go with fastinit's chosen
// libraries: a process that only creates an sd-event loop and an sd-bus
// object and runs tasks on a oneTBB arena of two workers, as the manager
// does, and then prints its VmRSS (KiB). bench/run reports it next to the
// manager's own figure.
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>
#include <atomic>
#include <cstdio>
#include <cstring>

namespace {

long status_kib(const char* field) {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long value = -1;
    size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, field, n) == 0 && line[n] == ':')
            value = std::atol(line + n + 1);
    std::fclose(f);
    return value;
}

}  // namespace

int main() {
    sd_event* event = nullptr;
    sd_bus* bus = nullptr;
    if (sd_event_default(&event) < 0 || sd_bus_new(&bus) < 0)
        return 1;
    std::atomic<int> ran{0};
    tbb::task_arena arena(2);
    tbb::task_group group;
    arena.execute([&] {
        for (int i = 0; i < 64; ++i)
            group.run([&] { ran.fetch_add(1); });
        group.wait();
    });
    if (ran.load() != 64)
        return 1;
    std::printf("VmRSS %ld\nRssAnon %ld\nRssFile %ld\n", status_kib("VmRSS"), status_kib("RssAnon"),
                status_kib("RssFile"));
    sd_bus_unref(bus);
    sd_event_unref(event);
    return 0;
}
