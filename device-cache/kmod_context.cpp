#include "device-cache/kmod_context.h"

namespace fastinit {
namespace {

void discard_log(void*, int, const char*, int, const char*, const char*, va_list) {}

}  // namespace

Result<KmodCtx> open_kmod_context(const std::string& dir,
                                  const std::vector<std::string>& config_paths) {
    std::vector<const char*> paths;
    for (const std::string& path : config_paths)
        paths.push_back(path.c_str());
    paths.push_back(nullptr);
    KmodCtx ctx(kmod_new(dir.c_str(), config_paths.empty() ? nullptr : paths.data()));
    if (!ctx)
        return system_error("cannot create a libkmod context for " + dir);
    kmod_set_log_fn(ctx.get(), discard_log, nullptr);
    if (int r = kmod_load_resources(ctx.get()); r < 0)
        return system_error("cannot read the module indexes in " + dir, -r);
    return ctx;
}

}  // namespace fastinit
