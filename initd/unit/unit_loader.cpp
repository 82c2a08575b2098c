#include "initd/unit/unit_loader.h"

#include <dirent.h>
#include <sys/stat.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <memory>
#include <set>

#include "base/text.h"
#include "initd/unit/unit_parser.h"

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

}  // namespace

UnitSet load_units(const std::vector<std::string>& search_path) {
    std::vector<UnitFile> files = find_unit_files(search_path);
    std::vector<ParsedUnit> parsed(files.size());

    auto load = [&](size_t i) {
        ParsedUnit p;
        auto text = read_file(files[i].path);
        if (!text) {
            Diagnostic d;
            d.file = files[i].path;
            d.message = text.error().message;
            p.diagnostics.push_back(std::move(d));
        } else {
            p = parse_unit(files[i].name, files[i].path, *text);
        }
        parsed[i] = std::move(p);
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
    for (size_t i = 0; i < files.size(); ++i) {
        auto& p = parsed[i];
        for (auto& d : p.diagnostics)
            set.diagnostics.push_back(d);
        if (p.unit) {
            set.units.emplace(files[i].name, std::move(*p.unit));
        } else {
            std::string why = p.diagnostics.empty() ? "unreadable" : p.diagnostics[0].to_string();
            set.broken.emplace(files[i].name, why);
        }
    }
    return set;
}

}  // namespace fastinit
