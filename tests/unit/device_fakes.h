// Fakes for the device cache's seams (DeviceSource, ModuleResolver,
// ModuleLoader) and a temporary directory, shared by the device-cache tests.
#pragma once

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "device-cache/device.h"
#include "device-cache/module_loader.h"
#include "device-cache/module_resolver.h"

namespace fastinit::testing {

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "fastinit-dc-XXXXXX");
        m_path = ::mkdtemp(pattern.data()) ? pattern : "";
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    const std::string& path() const { return m_path; }
    std::string file(const std::string& name) const { return m_path + "/" + name; }

  private:
    std::string m_path;
};

inline DeviceRecord device(std::string syspath, std::string subsystem, std::string modalias,
                           bool removable = false, bool created_by_module = false) {
    return {std::move(syspath), std::move(subsystem), std::move(modalias), removable,
            created_by_module};
}

inline ModuleSpec spec(std::string name, std::vector<Prerequisite> after = {}) {
    ModuleSpec module;
    module.path = "kernel/" + name + ".ko";
    module.name = std::move(name);
    module.after = std::move(after);
    return module;
}

inline Prerequisite dep(std::string name) {
    return {std::move(name), PrerequisiteKind::dependency};
}
inline Prerequisite pre(std::string name) {
    return {std::move(name), PrerequisiteKind::soft_pre};
}

// The devices of a machine; tests add devices to it (also from inside a
// fake load, to play a driver that reveals new hardware).
class FakeDeviceSource : public DeviceSource {
  public:
    Result<std::vector<DeviceRecord>> enumerate() override {
        LockGuard lock(m_mutex);
        ++enumerations;
        if (fail)
            return Error{"sysfs is gone", ENOENT};
        return devices;
    }
    void add(DeviceRecord record) {
        LockGuard lock(m_mutex);
        devices.push_back(std::move(record));
    }

    // Not GUARDED_BY: tests set them directly before any thread runs; from
    // then on only enumerate() and add() touch them, under m_mutex.
    std::vector<DeviceRecord> devices;
    int enumerations = 0;
    bool fail = false;

  private:
    Mutex m_mutex;
};

// A modules.alias in a map: modalias → module names, and each module's
// prerequisites. Closure follows dependency and pre-softdep edges.
class FakeResolver : public ModuleResolver {
  public:
    Result<Resolution> resolve(const std::vector<std::string>& modaliases) override {
        ++calls;
        asked.insert(asked.end(), modaliases.begin(), modaliases.end());
        Resolution resolution;
        std::set<std::string> added;
        std::function<void(const std::string&, bool)> add = [&](const std::string& name,
                                                                bool by_alias) {
            if (!added.insert(name).second)
                return;
            ModuleSpec module = catalog.contains(name) ? catalog.at(name) : spec(name);
            module.matched_by_alias = by_alias;
            resolution.modules.push_back(module);
            for (const Prerequisite& p : module.after)
                if (p.kind != PrerequisiteKind::soft_post)
                    add(p.module, false);
        };
        for (const std::string& modalias : modaliases) {
            AliasMatch match{modalias, {}, {}};
            if (auto found = aliases.find(modalias); found != aliases.end())
                match.modules = found->second;
            for (const std::string& name : match.modules)
                add(name, true);
            resolution.aliases.push_back(std::move(match));
        }
        return resolution;
    }

    std::map<std::string, std::vector<std::string>> aliases;
    std::map<std::string, ModuleSpec> catalog;
    int calls = 0;
    std::vector<std::string> asked;
};

// Records the order and overlap of loads. Thread-safe.
class FakeLoader : public ModuleLoader {
  public:
    LoadAttempt load(const ModuleSpec& module) override {
        int now = ++m_running;
        int seen = max_concurrent.load();
        while (now > seen && !max_concurrent.compare_exchange_weak(seen, now)) {
        }
        {
            LockGuard lock(m_mutex);
            m_order.push_back(module.name);
        }
        if (on_load)
            on_load(module.name);
        std::this_thread::sleep_for(delay);
        --m_running;
        if (auto found = failures.find(module.name); found != failures.end())
            return {LoadStatus::failed, found->second, "cannot load " + module.name};
        return {LoadStatus::loaded, 0, ""};
    }

    std::vector<std::string> loaded() {
        LockGuard lock(m_mutex);
        return m_order;
    }
    size_t position(const std::string& name) {
        auto names = loaded();
        for (size_t i = 0; i < names.size(); ++i)
            if (names[i] == name)
                return i;
        return static_cast<size_t>(-1);
    }

    std::map<std::string, int> failures;  // name → errno
    std::function<void(const std::string&)> on_load;
    std::chrono::milliseconds delay{0};
    std::atomic<int> max_concurrent{0};

  private:
    std::atomic<int> m_running{0};
    Mutex m_mutex;
    std::vector<std::string> m_order GUARDED_BY(m_mutex);
};

}  // namespace fastinit::testing
