#include "initd/unit/unit_loader.h"

#include <dirent.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "base/text.h"
#include "initd/unit/unit_file_reader.h"
#include "initd/unit/unit_parser.h"
#include "initd/unit/unit_template.h"

namespace fastinit {
namespace {

struct UnitFile {
    std::string name;
    std::string path;
};

// Files named NAME.toml in the search path; the first directory holding a
// name wins. Missing directories are fine (a minimal image may have one).
// (readdir rather than std::filesystem: PID 1 would keep that part of
// libstdc++ resident for one directory scan.)
std::vector<UnitFile> find_unit_files(const std::vector<std::string>& search_path) {
    constexpr std::string_view kSuffix = ".toml";
    std::vector<UnitFile> files;
    std::set<std::string> seen;
    for (const auto& dir : search_path) {
        std::unique_ptr<DIR, int (*)(DIR*)> entries(::opendir(dir.c_str()), ::closedir);
        if (!entries)
            continue;
        std::vector<UnitFile> here;
        while (const dirent* entry = ::readdir(entries.get())) {
            std::string_view file = entry->d_name;
            if (file.size() <= kSuffix.size() || !file.ends_with(kSuffix))
                continue;
            std::string path = dir.ends_with('/') ? dir + entry->d_name : dir + "/" + entry->d_name;
            struct stat st;  // follows symlinks, as a unit may be one
            if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            here.push_back({std::string(file.substr(0, file.size() - kSuffix.size())), path});
        }
        std::sort(here.begin(), here.end(),
                  [](const UnitFile& a, const UnitFile& b) { return a.name < b.name; });
        for (auto& f : here)
            if (seen.insert(f.name).second)
                files.push_back(std::move(f));
    }
    return files;
}

// The drop-ins of `name` as the parser takes them.
std::vector<DropIn> views_of(const std::map<std::string, std::vector<UnitSource>>& dropins,
                             const std::string& name) {
    std::vector<DropIn> out;
    auto it = dropins.find(name);
    if (it != dropins.end())
        for (const auto& d : it->second)
            out.push_back({d.path, d.text});
    return out;
}

}  // namespace

UnitSet load_units(const std::vector<std::string>& search_path) {
    ForkParserProbe probe(parse_like_pid1);
    return load_units(search_path, probe);
}

UnitSet load_units(const std::vector<std::string>& search_path, ParserProbe& probe) {
    std::vector<UnitFile> files = find_unit_files(search_path);
    std::vector<ParsedUnit> parsed(files.size());
    auto broken = [&](size_t i, std::string message) {
        Diagnostic d;
        d.file = files[i].path;
        d.message = std::move(message);
        parsed[i].diagnostics.push_back(std::move(d));
    };
    // A drop-in that cannot be read or parsed breaks its unit: the unit as
    // the admin meant it does not exist (and the unit without it might do
    // what the drop-in was written to stop).
    std::map<std::string, std::vector<UnitSource>> dropins;
    std::map<std::string, Diagnostic> broken_dropins;  // unit name → why
    auto break_dropin = [&](const std::string& unit, const std::string& path, std::string message) {
        Diagnostic d;
        d.file = path;
        d.message = std::move(message);
        broken_dropins.try_emplace(unit, std::move(d));
    };
    for (auto& [unit, paths] : find_dropins(search_path))
        for (auto& path : paths) {
            auto text = read_unit_file(path);
            if (!text)
                break_dropin(unit, path, text.error().message);
            else
                dropins[unit].push_back({path, std::move(*text)});
        }

    // Read first (each file once: the pre-flight child judges exactly the
    // bytes PID 1 then parses), on this thread, before any fork.
    std::vector<std::optional<std::string>> texts(files.size());
    std::vector<std::string_view> readable;
    std::vector<size_t> readable_file;
    for (size_t i = 0; i < files.size(); ++i) {
        auto text = read_unit_file(files[i].path);
        if (!text) {
            broken(i, text.error().message);
            continue;
        }
        texts[i] = std::move(*text);
        readable.push_back(*texts[i]);
        readable_file.push_back(i);
    }
    // The drop-ins go through the same pre-flight, after the files.
    std::vector<std::pair<std::string, const UnitSource*>> readable_dropin;
    for (const auto& [unit, sources] : dropins)
        for (const auto& source : sources) {
            readable.push_back(source.text);
            readable_dropin.push_back({unit, &source});
        }
    PreflightReport preflight = run_preflight(readable, probe);
    std::vector<Diagnostic> load_warnings;
    if (!preflight.unavailable.empty()) {
        Diagnostic d;
        d.severity = Diagnostic::Severity::warning;
        d.message = "unit files are parsed without a pre-flight in a child process (" +
                    preflight.unavailable + "); only the built-in guard protects PID 1";
        load_warnings.push_back(std::move(d));
    }
    std::vector<bool> to_parse(files.size(), false);
    for (size_t k = 0; k < readable_file.size(); ++k) {
        if (preflight.verdicts[k].empty())
            to_parse[readable_file[k]] = true;
        else
            broken(readable_file[k], preflight.verdicts[k]);
    }
    for (size_t k = 0; k < readable_dropin.size(); ++k) {
        const auto& verdict = preflight.verdicts[readable_file.size() + k];
        if (!verdict.empty())
            break_dropin(readable_dropin[k].first, readable_dropin[k].second->path, verdict);
    }
    for (size_t i = 0; i < files.size(); ++i)
        if (broken_dropins.count(files[i].name))
            to_parse[i] = false;

    // A template is checked with a sample instance; its instances are
    // parsed again from its text once something names them.
    static const Specifiers kSample = {"instance", "instance"};
    auto load = [&](size_t i) {
        if (!to_parse[i])
            return;
        bool is_template = is_template_name(files[i].name);
        parsed[i] = parse_unit(files[i].name, files[i].path, *texts[i],
                               is_template ? &kSample : nullptr, views_of(dropins, files[i].name));
    };
    try {
        tbb::parallel_for(size_t{0}, files.size(), load);
    } catch (const std::exception&) {
        // oneTBB throws when it cannot create its threads (a pids limit, a
        // shortage): PID 1 loads its units on its own thread instead.
        for (size_t i = 0; i < files.size(); ++i)
            load(i);
    }

    UnitSet set;
    set.diagnostics = std::move(load_warnings);
    for (auto& [unit, d] : broken_dropins) {
        set.diagnostics.push_back(d);
        // Also for an instance's drop-in: the instance is not made.
        set.broken.emplace(unit, "drop-in " + d.to_string());
    }
    for (size_t i = 0; i < files.size(); ++i) {
        auto& p = parsed[i];
        for (auto& d : p.diagnostics)
            set.diagnostics.push_back(d);
        if (p.unit && is_template_name(files[i].name)) {
            set.templates.emplace(files[i].name, UnitTemplate{files[i].path, std::move(*texts[i])});
        } else if (p.unit) {
            set.units.emplace(files[i].name, std::move(*p.unit));
        } else if (!set.broken.count(files[i].name)) {
            std::string why = p.diagnostics.empty() ? "unreadable" : p.diagnostics[0].to_string();
            set.broken.emplace(files[i].name, why);
        }
    }
    // An instance with a drop-in directory exists, named or not: that is
    // how `fastinit enable getty@ttyS1` makes one (its wanted_by there).
    std::vector<std::string> instances;
    for (const auto& [name, sources] : dropins)
        if (split_instance_name(name))
            instances.push_back(name);
    set.dropins = std::move(dropins);
    instantiate_templates(set, instances);
    // A drop-in directory whose unit does not exist is most likely a typo
    // in its name: said, not fatal.
    for (const auto& [name, sources] : set.dropins) {
        if (set.units.count(name) || set.broken.count(name) || set.templates.count(name))
            continue;
        Diagnostic d;
        d.severity = Diagnostic::Severity::warning;
        d.file = sources.front().path;
        d.message = "a drop-in for " + name + ", but there is no unit " + name + " (no " + name +
                    ".toml, nor a template for it); ignored";
        set.diagnostics.push_back(std::move(d));
    }
    return set;
}

}  // namespace fastinit
