#include "device-cache/parallel_load.h"

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <memory>

namespace fastinit {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kNone = static_cast<size_t>(-1);

struct Dependent {
    size_t index;
    bool hard;
};

// Shared by all tasks of one load_in_parallel call.
struct LoadRun {
    const LoadPlan& plan;
    ModuleLoader& loader;
    Clock::time_point begin = Clock::now();
    std::vector<std::vector<Dependent>> dependents;
    // Prerequisites not yet finished; the task that brings it to zero
    // starts the module.
    std::unique_ptr<std::atomic<size_t>[]> pending;
    // The first hard prerequisite that did not make it into the kernel.
    std::unique_ptr<std::atomic<size_t>[]> blocked_by;
    std::vector<ModuleLoadResult> results;
    tbb::task_group group;

    LoadRun(const LoadPlan& p, ModuleLoader& l)
        : plan(p),
          loader(l),
          dependents(p.modules.size()),
          pending(new std::atomic<size_t>[p.modules.size()]),
          blocked_by(new std::atomic<size_t>[p.modules.size()]),
          results(p.modules.size()) {
        for (size_t i = 0; i < plan.modules.size(); ++i) {
            pending[i] = plan.modules[i].prerequisites.size();
            blocked_by[i] = kNone;
            for (const PlanEdge& edge : plan.modules[i].prerequisites)
                dependents[edge.index].push_back({i, edge.hard});
        }
    }

    void run(size_t i) {
        const ModuleSpec& spec = plan.modules[i].spec;
        ModuleLoadResult& result = results[i];
        result.name = spec.name;
        Clock::time_point start = Clock::now();
        result.start = std::chrono::duration_cast<std::chrono::microseconds>(start - begin);
        if (size_t blocker = blocked_by[i].load(); blocker != kNone) {
            result.status = LoadStatus::skipped;
            result.reason =
                "needs " + plan.modules[blocker].spec.name + ", which " +
                (results[blocker].status == LoadStatus::skipped ? "was skipped" : "did not load");
        } else {
            LoadAttempt attempt = loader.load(spec);
            result.duration =
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
            result.status = attempt.status;
            result.errno_value = attempt.errno_value;
            result.reason = std::move(attempt.message);
        }
        bool in_kernel = is_in_kernel(result.status);
        for (const Dependent& dependent : dependents[i]) {
            if (!in_kernel && dependent.hard) {
                size_t none = kNone;
                blocked_by[dependent.index].compare_exchange_strong(none, i);
            }
            // The decrement publishes this module's result to whichever task
            // finishes the dependent's last prerequisite.
            if (pending[dependent.index].fetch_sub(1, std::memory_order_acq_rel) == 1)
                group.run([this, next = dependent.index] { run(next); });
        }
    }
};

}  // namespace

std::vector<ModuleLoadResult> load_in_parallel(const LoadPlan& plan, ModuleLoader& loader,
                                               const LoadOptions& options) {
    if (plan.modules.empty())
        return {};
    auto state = std::make_unique<LoadRun>(plan, loader);
    tbb::task_arena arena(options.max_parallel > 0 ? options.max_parallel
                                                   : tbb::task_arena::automatic);
    arena.execute([&] {
        for (size_t i = 0; i < plan.modules.size(); ++i)
            if (plan.modules[i].prerequisites.empty())
                state->group.run([&state, i] { state->run(i); });
        state->group.wait();
    });
    return std::move(state->results);
}

}  // namespace fastinit
