// Owning handles for libkmod objects, and a context that stays quiet.
//
// A kmod_ctx is not thread-safe: each thread that uses libkmod needs its own
// context, and modules or lists from one context must stay on its thread.
#pragma once

#include <libkmod.h>

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace fastinit {

struct KmodCtxUnref {
    void operator()(kmod_ctx* ctx) const { kmod_unref(ctx); }
};
struct KmodModuleUnref {
    void operator()(kmod_module* module) const { kmod_module_unref(module); }
};
struct KmodListUnref {
    void operator()(kmod_list* list) const { kmod_module_unref_list(list); }
};

using KmodCtx = std::unique_ptr<kmod_ctx, KmodCtxUnref>;
using KmodModule = std::unique_ptr<kmod_module, KmodModuleUnref>;
// A list of kmod_module entries; freeing it unreferences every module.
using KmodModuleList = std::unique_ptr<kmod_list, KmodListUnref>;

// A context for the module directory `dir`, its indexes loaded up front
// (many look-ups follow). Configuration (blacklist, options, softdep) comes
// from `config_paths` when given, else from the system's modprobe.d
// directories. libkmod's own logging is switched off: failures come back as
// errors instead.
Result<KmodCtx> open_kmod_context(const std::string& dir,
                                  const std::vector<std::string>& config_paths = {});

}  // namespace fastinit
