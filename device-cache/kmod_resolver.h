// The real ModuleResolver, on libkmod, matching udev's kmod builtin: look the
// modalias up in modules.alias.bin, drop blacklisted modules (modprobe.d
// "blacklist") and built-in ones (modules.builtin), then add each module's
// dependencies from modules.dep and its soft dependencies (pre and post)
// from modprobe.d and modules.softdep, recursively. Options come from
// modprobe.d and the kernel command line, as libkmod reads them.
//
// Modules that are already loaded stay in the result: the cache must list
// everything the hardware needs, and loading a loaded module is a no-op.
//
// Not thread-safe (it owns one kmod_ctx); use one resolver per thread.
#pragma once

#include "device-cache/kmod_context.h"
#include "device-cache/module_resolver.h"
#include "device-cache/module_tree.h"

namespace fastinit {

class KmodResolver : public ModuleResolver {
  public:
    // `config_paths` replaces the system's modprobe.d directories (tests).
    static Result<KmodResolver> open(const ModuleTree& tree,
                                     const std::vector<std::string>& config_paths = {});

    Result<Resolution> resolve(const std::vector<std::string>& modaliases) override;

  private:
    KmodResolver(KmodCtx ctx, std::string dir) : m_ctx(std::move(ctx)), m_dir(std::move(dir)) {}

    KmodCtx m_ctx;
    std::string m_dir;
};

}  // namespace fastinit
