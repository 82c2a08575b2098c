#include "initd/run/event_timers.h"

#include <cstring>

#include "base/log.h"

namespace fastinit {
namespace {

uint64_t to_usec(TimePoint t) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

}  // namespace

EventTimers::~EventTimers() {
    for (auto& [key, slot] : m_slots)
        sd_event_source_disable_unref(slot.source);
}

void EventTimers::arm(UnitId unit, TimerKind kind, TimePoint deadline) {
    Slot& slot = m_slots[{unit, static_cast<int>(kind)}];
    if (!slot.source) {
        slot.owner = this;
        slot.unit = unit;
        slot.kind = kind;
        // Accuracy 1us: the default (250ms) would let sd-event coalesce
        // timeouts far too late for a boot.
        int r = sd_event_add_time(m_event, &slot.source, CLOCK_MONOTONIC, to_usec(deadline), 1,
                                  on_timer, &slot);
        if (r < 0)
            log::error("cannot arm a timer: ", strerror(-r));
        return;
    }
    sd_event_source_set_time(slot.source, to_usec(deadline));
    sd_event_source_set_enabled(slot.source, SD_EVENT_ONESHOT);
}

void EventTimers::disarm(UnitId unit, TimerKind kind) {
    auto it = m_slots.find({unit, static_cast<int>(kind)});
    if (it != m_slots.end() && it->second.source)
        sd_event_source_set_enabled(it->second.source, SD_EVENT_OFF);
}

int EventTimers::on_timer(sd_event_source*, uint64_t, void* userdata) {
    auto* slot = static_cast<Slot*>(userdata);
    Manager& manager = *slot->owner->m_manager;
    if (slot->kind == TimerKind::stop_timeout) {
        const Node& node = manager.graph().nodes[slot->unit];
        if (manager.runtime(slot->unit).main_pid != 0)
            log::warning(node.name, " did not stop within ",
                         format_duration(node.unit->service->stop_timeout), "; sending SIGKILL");
    }
    manager.on_timer(slot->unit, slot->kind);
    return 0;
}

}  // namespace fastinit
