// Manager seams that do nothing, for fuzz targets that drive the manager:
// timers never fire, time stands at one instant, no path exists and the
// kernel command line is empty. Each target keeps its own ProcessControl,
// which is where its invariants are checked.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "initd/run/manager.h"

namespace fastinit {

class Timers : public TimerControl {
  public:
    void arm(UnitId, TimerKind, TimePoint) override {}
    void disarm(UnitId, TimerKind) override {}
};

class Time : public TimeSource {
  public:
    TimePoint now() override { return TimePoint(std::chrono::seconds(1000)); }
};

class FakeConditions : public ConditionContext {
  public:
    bool path_exists(const std::string&) override { return false; }
    const std::vector<std::string>& kernel_cmdline_words() override { return m_words; }

  private:
    std::vector<std::string> m_words;
};

}  // namespace fastinit
