// The machine as the manager's conditions and clock see it: the real
// TimeSource (CLOCK_MONOTONIC) and ConditionContext (the filesystem and the
// kernel command line read at start).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "initd/run/interfaces.h"

namespace fastinit {

class SystemClock : public TimeSource {
  public:
    TimePoint now() override { return Clock::now(); }
};

class SystemConditions : public ConditionContext {
  public:
    explicit SystemConditions(std::vector<std::string> kernel_cmdline_words)
        : m_kernel_cmdline_words(std::move(kernel_cmdline_words)) {}

    bool path_exists(const std::string& path) override;
    const std::vector<std::string>& kernel_cmdline_words() override {
        return m_kernel_cmdline_words;
    }

  private:
    std::vector<std::string> m_kernel_cmdline_words;
};

}  // namespace fastinit
