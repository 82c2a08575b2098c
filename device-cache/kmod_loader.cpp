#include "device-cache/kmod_loader.h"

#include <cerrno>
#include <cstring>

namespace fastinit {

LoadAttempt KmodLoader::load(const ModuleSpec& spec) {
    KmodCtx& ctx = m_contexts.local();
    if (!ctx) {
        auto opened = open_kmod_context(m_tree.dir);
        if (!opened)
            return {LoadStatus::failed, opened.error().errno_value, opened.error().message};
        ctx = std::move(*opened);
    }
    kmod_module* raw = nullptr;
    if (int r = kmod_module_new_from_name(ctx.get(), spec.name.c_str(), &raw); r < 0)
        return {LoadStatus::failed, -r, "cannot look up " + spec.name + ": " + std::strerror(-r)};
    KmodModule module(raw);

    int state = kmod_module_get_initstate(module.get());
    if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_BUILTIN)
        return {LoadStatus::present, 0, ""};

    unsigned flags = KMOD_PROBE_IGNORE_LOADED;
    if (spec.matched_by_alias)
        flags |= KMOD_PROBE_APPLY_BLACKLIST;
    int r =
        kmod_module_probe_insert_module(module.get(), flags, nullptr, nullptr, nullptr, nullptr);
    if (r == 0)
        return {LoadStatus::loaded, 0, ""};
    if (r == -EEXIST)
        return {LoadStatus::present, 0, ""};
    if (r > 0)
        return {LoadStatus::blacklisted, 0, spec.name + " is blacklisted"};
    return {LoadStatus::failed, -r, "cannot load " + spec.name + ": " + std::strerror(-r)};
}

}  // namespace fastinit
