#include "device-cache/kmod_resolver.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace fastinit {
namespace {

std::string module_name(kmod_module* module) {
    const char* name = kmod_module_get_name(module);
    return name ? name : "";
}

std::vector<kmod_module*> modules_of(const kmod_list* list) {
    std::vector<kmod_module*> modules;
    for (const kmod_list* entry = list; entry; entry = kmod_list_next(list, entry)) {
        // kmod_module_get_module takes a reference; the list keeps its own,
        // so the extra one is dropped at once.
        kmod_module* module = kmod_module_get_module(entry);
        kmod_module_unref(module);
        modules.push_back(module);
    }
    return modules;
}

// False for names that an index mentions but modules.dep does not list
// (a module removed without rerunning depmod): there is nothing to load.
bool has_file(kmod_module* module) {
    return kmod_module_get_path(module) != nullptr;
}

Result<KmodModuleList> apply_filter(kmod_ctx* ctx, kmod_filter filter, const kmod_list* input) {
    kmod_list* output = nullptr;
    if (int r = kmod_module_apply_filter(ctx, filter, input, &output); r < 0)
        return system_error("cannot filter modules", -r);
    return KmodModuleList(output);
}

// Collects the closure of the matched modules, each once, in discovery order.
class ClosureBuilder {
  public:
    ClosureBuilder(kmod_ctx* ctx, std::string dir) : m_ctx(ctx), m_prefix(std::move(dir) + "/") {}

    Result<void> add(kmod_module* module, bool matched_by_alias) {
        std::string name = module_name(module);
        if (auto found = m_index.find(name); found != m_index.end()) {
            m_modules[found->second].matched_by_alias |= matched_by_alias;
            return ok_result();
        }
        ModuleSpec spec;
        spec.name = name;
        spec.path = relative_path(kmod_module_get_path(module));
        if (const char* options = kmod_module_get_options(module))
            spec.options = options;
        spec.matched_by_alias = matched_by_alias;
        size_t self = m_modules.size();
        // Registered before recursing, so a cycle through soft dependencies
        // ends here instead of looping.
        m_index.emplace(name, self);
        m_modules.push_back(std::move(spec));

        KmodModuleList dependencies(kmod_module_get_dependencies(module));
        for (kmod_module* dependency : modules_of(dependencies.get())) {
            m_modules[self].after.push_back(
                {module_name(dependency), PrerequisiteKind::dependency});
            FI_TRY(add(dependency, false));
        }

        kmod_list* raw_pre = nullptr;
        kmod_list* raw_post = nullptr;
        if (int r = kmod_module_get_softdeps(module, &raw_pre, &raw_post); r < 0)
            return system_error("cannot read the soft dependencies of " + name, -r);
        KmodModuleList pre_all(raw_pre), post_all(raw_post);
        // Soft dependencies are names or aliases and may well be built in.
        auto pre = apply_filter(m_ctx, KMOD_FILTER_BUILTIN, pre_all.get());
        if (!pre)
            return pre.error();
        auto post = apply_filter(m_ctx, KMOD_FILTER_BUILTIN, post_all.get());
        if (!post)
            return post.error();
        for (kmod_module* soft : modules_of(pre->get())) {
            if (!has_file(soft))
                continue;
            m_modules[self].after.push_back({module_name(soft), PrerequisiteKind::soft_pre});
            FI_TRY(add(soft, false));
        }
        for (kmod_module* soft : modules_of(post->get())) {
            if (!has_file(soft))
                continue;
            FI_TRY(add(soft, false));
            auto& after = m_modules[m_index.at(module_name(soft))].after;
            Prerequisite edge{name, PrerequisiteKind::soft_post};
            if (std::find(after.begin(), after.end(), edge) == after.end())
                after.push_back(std::move(edge));
        }
        return ok_result();
    }

    std::vector<ModuleSpec> take() { return std::move(m_modules); }

  private:
    std::string relative_path(const char* path) const {
        if (!path)
            return "";
        std::string_view view(path);
        if (view.starts_with(m_prefix))
            view.remove_prefix(m_prefix.size());
        return std::string(view);
    }

    kmod_ctx* m_ctx;
    std::string m_prefix;
    std::vector<ModuleSpec> m_modules;
    std::unordered_map<std::string, size_t> m_index;
};

}  // namespace

Result<KmodResolver> KmodResolver::open(const ModuleTree& tree,
                                        const std::vector<std::string>& config_paths) {
    auto ctx = open_kmod_context(tree.dir, config_paths);
    if (!ctx)
        return ctx.error();
    // libkmod may normalise the directory; paths it returns start with its
    // own spelling.
    std::string dir = kmod_get_dirname(ctx->get());
    return KmodResolver(std::move(*ctx), std::move(dir));
}

Result<Resolution> KmodResolver::resolve(const std::vector<std::string>& modaliases) {
    kmod_ctx* ctx = m_ctx.get();
    ClosureBuilder closure(ctx, m_dir);
    Resolution resolution;
    for (const std::string& modalias : modaliases) {
        AliasMatch match{modalias, {}, {}};
        kmod_list* raw = nullptr;
        if (int r = kmod_module_new_from_lookup(ctx, modalias.c_str(), &raw); r < 0)
            return system_error("cannot look up modalias " + modalias, -r);
        KmodModuleList found(raw);
        auto allowed = apply_filter(ctx, KMOD_FILTER_BLACKLIST, found.get());
        if (!allowed)
            return allowed.error();
        auto loadable = apply_filter(ctx, KMOD_FILTER_BUILTIN, allowed->get());
        if (!loadable)
            return loadable.error();

        std::unordered_set<std::string> allowed_names, loadable_names;
        for (kmod_module* module : modules_of(allowed->get()))
            allowed_names.insert(module_name(module));
        for (kmod_module* module : modules_of(loadable->get()))
            loadable_names.insert(module_name(module));
        // One module often matches through several alias patterns (a CPU
        // feature list matches sha1_ssse3 once per feature it wants).
        std::unordered_set<std::string> listed;
        for (kmod_module* module : modules_of(found.get())) {
            std::string name = module_name(module);
            if (!listed.insert(name).second)
                continue;
            if (!allowed_names.contains(name))
                match.not_needed.push_back(name + " (blacklisted)");
            else if (!loadable_names.contains(name))
                match.not_needed.push_back(name + " (built-in)");
        }
        listed.clear();
        for (kmod_module* module : modules_of(loadable->get())) {
            if (!listed.insert(module_name(module)).second)
                continue;
            if (!has_file(module)) {
                match.not_needed.push_back(module_name(module) + " (no module file)");
                continue;
            }
            match.modules.push_back(module_name(module));
            FI_TRY(closure.add(module, true));
        }
        resolution.aliases.push_back(std::move(match));
    }
    resolution.modules = closure.take();
    return resolution;
}

}  // namespace fastinit
