#include "device-cache/kmod_loader.h"

#include <cerrno>
#include <cstring>
#include <string_view>

namespace fastinit {
namespace {

bool is_blacklisted(kmod_ctx* ctx, std::string_view name) {
    kmod_config_iter* iter = kmod_config_get_blacklists(ctx);
    bool found = false;
    while (!found && iter && kmod_config_iter_next(iter))
        found = name == kmod_config_iter_get_key(iter);
    if (iter)
        kmod_config_iter_free_iter(iter);
    return found;
}

}  // namespace

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
    if (spec.matched_by_alias && is_blacklisted(ctx.get(), spec.name))
        return {LoadStatus::blacklisted, 0, spec.name + " is blacklisted"};

    // The load plan has already loaded the module's dependencies and soft
    // dependencies (or tried to): insert just this one. A modprobe-style
    // probe would visit them all again, and every visit costs the kernel a
    // read and a signature check of the file (and a module that found no
    // device, a failed init) before it can answer "already loaded".
    int r = 0;
    if (kmod_module_get_install_commands(module.get()) == nullptr)
        r = kmod_module_insert_module(module.get(), 0, kmod_module_get_options(module.get()));
    // An install command in modprobe.d is modprobe's business; and a symbol
    // nobody provides yet (-ENOENT) means a dependency the plan did not
    // know: let libkmod load what is missing, skipping what is loaded.
    if (kmod_module_get_install_commands(module.get()) != nullptr || r == -ENOENT)
        r = kmod_module_probe_insert_module(module.get(), 0, nullptr, nullptr, nullptr, nullptr);
    if (r == 0)
        return {LoadStatus::loaded, 0, ""};
    if (r == -EEXIST)
        return {LoadStatus::present, 0, ""};
    if (r > 0)
        return {LoadStatus::blacklisted, 0, spec.name + " is blacklisted"};
    return {LoadStatus::failed, -r, "cannot load " + spec.name + ": " + std::strerror(-r)};
}

}  // namespace fastinit
