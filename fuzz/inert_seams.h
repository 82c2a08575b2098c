// Manager seams that do nothing, for fuzz targets that drive the manager:
// timers never fire, time stands at one instant, no path exists and the
// kernel command line is empty. Each target keeps its own ProcessControl,
// which is where its invariants are checked.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "initd/run/manager.h"
#include "initd/unit/unit_parser.h"

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

// A target's own fixture unit. If the parser ever rejects it the target
// stops at once, naming why: dereferencing the empty result instead copied
// uninitialized memory, which crashed far away and only now and then.
inline Unit fixture_unit(std::string_view name, std::string_view text) {
    ParsedUnit parsed = parse_unit(name, std::string(name) + ".toml", text);
    if (!parsed.unit) {
        for (const Diagnostic& d : parsed.diagnostics)
            std::fprintf(stderr, "fixture unit: %s\n", d.to_string().c_str());
        std::abort();
    }
    return std::move(*parsed.unit);
}

}  // namespace fastinit
