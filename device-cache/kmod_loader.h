// The real ModuleLoader. It inserts one module at a time, after the load plan
// has loaded its prerequisites: kmod_module_insert_module with the options
// from modprobe.d and the kernel command line, and the blacklist for
// modules a modalias chose, as modprobe would apply them. A module with an
// install command, or one whose symbols are not all there yet, goes through
// kmod_module_probe_insert_module, as modprobe does. A module that is
// already in the kernel counts as present, also when another loader won the
// race (-EEXIST).
//
// Each thread gets its own kmod_ctx, created on first use, because libkmod
// contexts are not thread-safe.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include "device-cache/kmod_context.h"
#include "device-cache/module_loader.h"
#include "device-cache/module_tree.h"

namespace fastinit {

class KmodLoader : public ModuleLoader {
  public:
    explicit KmodLoader(ModuleTree tree) : m_tree(std::move(tree)) {}

    LoadAttempt load(const ModuleSpec& module) override;

  private:
    ModuleTree m_tree;
    tbb::enumerable_thread_specific<KmodCtx> m_contexts;
};

}  // namespace fastinit
