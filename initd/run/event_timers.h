// The manager's timers on the sd-event loop (the real TimerControl): one
// time source per (unit, kind), made when first armed and re-armed after,
// each firing into Manager::on_timer on the main thread.
#pragma once

#include <systemd/sd-event.h>

#include <map>
#include <utility>

#include "initd/run/interfaces.h"
#include "initd/run/manager.h"

namespace fastinit {

class EventTimers : public TimerControl {
  public:
    explicit EventTimers(sd_event* event) : m_event(event) {}
    ~EventTimers() override;
    EventTimers(const EventTimers&) = delete;
    EventTimers& operator=(const EventTimers&) = delete;

    // Where fired timers go. The manager is made with these timers as its
    // seam, so it is named here once it exists; timers only fire after that.
    void deliver_to(Manager& manager) { m_manager = &manager; }

    void arm(UnitId unit, TimerKind kind, TimePoint deadline) override;
    void disarm(UnitId unit, TimerKind kind) override;

  private:
    struct Slot {
        EventTimers* owner = nullptr;
        UnitId unit = 0;
        TimerKind kind = TimerKind::start_timeout;
        sd_event_source* source = nullptr;
    };
    static int on_timer(sd_event_source*, uint64_t usec, void* slot);

    sd_event* m_event;
    Manager* m_manager = nullptr;
    // A map: a slot's address is the source's userdata and must not move.
    std::map<std::pair<UnitId, int>, Slot> m_slots;
};

}  // namespace fastinit
