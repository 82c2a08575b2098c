#include "initd/unit/unit_loader.h"

#include <tbb/parallel_for.h>

#include <filesystem>
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
std::vector<UnitFile> find_unit_files(const std::vector<std::string>& search_path) {
    namespace fs = std::filesystem;
    std::vector<UnitFile> files;
    std::set<std::string> seen;
    for (const auto& dir : search_path) {
        std::error_code ec;
        std::vector<UnitFile> here;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const fs::path& p = it->path();
            if (p.extension() != ".toml")
                continue;
            std::error_code type_ec;
            if (!fs::is_regular_file(p, type_ec))
                continue;
            here.push_back({p.stem().string(), p.string()});
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

    tbb::parallel_for(size_t{0}, files.size(), [&](size_t i) {
        auto text = read_file(files[i].path);
        if (!text) {
            Diagnostic d;
            d.file = files[i].path;
            d.message = text.error().message;
            parsed[i].diagnostics.push_back(std::move(d));
            return;
        }
        parsed[i] = parse_unit(files[i].name, files[i].path, *text);
    });

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
