#include "boot/bring_up.h"

#include "base/paths.h"
#include "base/text.h"
#include "device-cache/cache_store.h"
#include "device-cache/root_record.h"
#include "device-cache/root_stack.h"

namespace fastinit {

namespace {

// "; on md md0, lvm dm-0" for the log; "" for a root on a disk.
std::string layers_text(const std::vector<RootLayer>& layers) {
    std::vector<std::string> parts;
    for (const RootLayer& layer : layers)
        parts.push_back(layer.kind + " " + layer.name);
    return parts.empty() ? "" : "; on " + join(parts, ", ");
}

}  // namespace

ModuleCounts count_modules(const std::vector<CachedModule>& modules) {
    ModuleCounts counts;
    for (const CachedModule& module : modules) {
        if (is_in_kernel(module.status))
            ++counts.loaded;
        else if (module.status == LoadStatus::failed || module.status == LoadStatus::skipped)
            ++counts.failed;
    }
    return counts;
}

Result<ApplyReport> BootBringUp::start(const std::string& cache_path, bool reprobe,
                                       const std::string& root_source) {
    m_tree = running_module_tree();
    ApplyOptions options;
    options.cache_path = cache_path;
    options.reprobe = reprobe;
    options.root_source = root_source;
    m_cache_path = options.cache_path;
    m_root_source = root_source;

    m_bring_up = std::make_unique<DeviceBringUpHere>(m_tree, options);
    m_early = m_bring_up->start();
    if (!m_early)
        m_bring_up.reset();
    return m_early;
}

BringUpFinish BootBringUp::finish(const std::string& root_device, const std::string& fstype,
                                  bool hand_over) {
    BringUpFinish finished;
    if (!m_bring_up)
        return finished;
    std::vector<CachedModule> rest = m_bring_up->left_behind();
    finished.report = m_early;
    if (hand_over && !rest.empty()) {
        if (auto left = leave_for_the_real_root(rest); left) {
            finished.left_for_the_real_root = static_cast<int>(rest.size());
            finished.notes.push_back(*left);
        } else {
            finished.notes.push_back(left.error().message + "; loading them here");
            hand_over = false;
        }
    }
    if (!hand_over || rest.empty())
        finished.report = m_bring_up->finish();
    m_bring_up.reset();
    const Result<ApplyReport>& report = finished.report;
    if (!report) {
        finished.notes.push_back(report.error().message);
        return finished;
    }
    if (!report->refreshed.empty())
        finished.notes.push_back("the cache was refreshed: " + report->refreshed);
    if (report->cache_error)
        finished.notes.push_back(report->cache_error->message);
    if (auto note = remember_root(root_device, fstype, report->cached_root))
        finished.notes.push_back(*note);
    return finished;
}

Result<std::string> BootBringUp::leave_for_the_real_root(const std::vector<CachedModule>& rest) {
    // Only the files of the modules left: the loader inserts one module at a
    // time and never opens those already in the kernel.
    std::vector<std::string> files;
    for (const CachedModule& module : rest)
        files.push_back(module.spec.path);
    FI_TRY(copy_module_tree_part(
        m_tree, std::string(paths::kInitrdModulesDir) + "/" + m_tree.release, files));
    std::vector<std::string> names;
    for (const CachedModule& module : rest)
        names.push_back(module.spec.name);
    return std::to_string(rest.size()) + " modules left for the real root's fastinit to load (" +
           join(names, ", ") + ")";
}

std::optional<std::string> BootBringUp::remember_root(const std::string& root_device,
                                                      const std::string& fstype,
                                                      const RootRecord& cached) {
    // A root on NFS ("10.0.2.100:/srv"): no block device to record; the
    // next boot's cache hit loads every cached module, the NIC's among them.
    if (root_device.rfind("/dev/", 0) != 0)
        return std::nullopt;
    auto stack = root_device_stack(root_device);
    if (!stack)
        return "cannot tell what " + root_device + " needed: " + stack.error().message;
    // The common case, decided without reading the cache again.
    if (cached == RootRecord{m_root_source, stack->modules, fstype, root_device, stack->layers})
        return std::nullopt;
    CacheLoad cache = load_cache(m_cache_path, m_tree.release);
    if (!cache.valid())
        return std::nullopt;  // nothing to keep it in (already said why)
    RootRecord record = make_root_record(*cache.cache, m_root_source, stack->modules, fstype,
                                         root_device, stack->layers);
    if (record == cache.cache->root)
        return std::nullopt;
    auto renewed = renew_root_record(m_cache_path, m_tree.release, record);
    if (!renewed)
        return renewed.error().message;
    if (!*renewed)
        return std::nullopt;
    return "recorded what root=" + m_root_source + " needs: " +
           (record.modules.empty() ? "no device modules" : join(record.modules, ", ")) +
           (fstype.empty() ? "" : " and " + fstype) + layers_text(record.layers);
}

}  // namespace fastinit
