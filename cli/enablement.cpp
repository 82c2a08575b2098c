#include "cli/enablement.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "base/atomic_file.h"
#include "initd/unit/unit_loader.h"
#include "initd/unit/unit_parser.h"

namespace fastinit {
namespace {

namespace fs = std::filesystem;

std::string under_root(const std::string& root, const std::string& path) {
    std::string r = root;
    while (r.ends_with('/'))
        r.pop_back();
    return r + path;
}

std::string dropin_dir(const EnableRequest& r) {
    return under_root(r.root, kDefaultUnitPath.front()) + "/" + r.unit + ".toml.d";
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes `text` to `path` unless it already holds exactly that.
Result<void> put(const std::string& path, const std::string& text, std::vector<std::string>& done) {
    std::error_code ec;
    if (fs::exists(path, ec) && read_all(path) == text)
        return {};
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec)
        return Error{"cannot create " + fs::path(path).parent_path().string() + ": " +
                     ec.message()};
    auto written = write_file_atomically(path, text);
    if (!written)
        return written.error();
    done.push_back("Created " + path + ".");
    return {};
}

Result<void> remove(const std::string& path, std::vector<std::string>& done) {
    std::error_code ec;
    if (!fs::remove(path, ec)) {
        if (ec)
            return Error{"cannot remove " + path + ": " + ec.message()};
        return {};
    }
    done.push_back("Removed " + path + ".");
    return {};
}

std::string wanted_by_text(const std::vector<std::string>& targets) {
    std::string list;
    for (const auto& t : targets)
        list += (list.empty() ? "\"" : ", \"") + t + "\"";
    return "# Written by `fastinit enable`; `fastinit disable` removes it.\n[unit]\nwanted_by = [" +
           list + "]\n";
}

Result<void> check_names(const EnableRequest& r) {
    if (!is_valid_unit_name(r.unit) || r.unit.ends_with('@'))
        return Error{"\"" + r.unit + "\" is not a unit name"};
    for (const auto& t : r.wanted_by)
        if (!is_valid_unit_name(t))
            return Error{"--wanted-by: \"" + t + "\" is not a unit name"};
    return {};
}

// The unit as the system sees it now, drop-ins and all.
Result<Unit> load_as_seen(const EnableRequest& r) {
    std::vector<std::string> path;
    for (const auto& d : kDefaultUnitPath)
        path.push_back(under_root(r.root, d));
    UnitSet set = load_units(path);
    instantiate_templates(set, {r.unit});
    auto broken = set.broken.find(r.unit);
    if (broken != set.broken.end())
        return Error{"unit " + r.unit + " is broken: " + broken->second};
    auto unit = set.units.find(r.unit);
    if (unit == set.units.end())
        return Error{"no unit " + r.unit + " (no " + r.unit + ".toml, nor a template for it)"};
    return std::move(unit->second);
}

}  // namespace

Result<std::vector<std::string>> disable_unit(const EnableRequest& r) {
    if (auto ok = check_names(r); !ok)
        return ok.error();
    std::vector<std::string> done;
    std::string dir = dropin_dir(r);
    if (auto ok = remove(dir + "/" + kEnabledDropIn, done); !ok)
        return ok.error();
    if (auto ok = put(dir + "/" + kDisabledDropIn,
                      "# Written by `fastinit disable`; `fastinit enable` removes it.\n"
                      "[unit]\nwanted_by = []\n",
                      done);
        !ok)
        return ok.error();
    return done;
}

Result<std::vector<std::string>> enable_unit(const EnableRequest& r) {
    if (auto ok = check_names(r); !ok)
        return ok.error();
    // Refused before anything changes: an unknown or broken unit keeps its
    // zz-disabled.toml. (That drop-in sets only wanted_by, so whether the
    // unit loads does not depend on it.)
    if (auto seen = load_as_seen(r); !seen)
        return seen.error();
    std::vector<std::string> done;
    std::string dir = dropin_dir(r);
    if (auto ok = remove(dir + "/" + kDisabledDropIn, done); !ok)
        return ok.error();

    // The unit again, now without our disabling drop-in.
    auto unit = load_as_seen(r);
    if (!unit)
        return unit.error();
    std::vector<std::string> own = unit->wanted_by;
    bool ours_applied = false;
    for (const auto& d : unit->dropins)
        ours_applied = ours_applied || fs::path(d).filename() == kEnabledDropIn;
    // An instance exists at boot only when something names it: our
    // drop-in directory does (unit_loader.h), so it is written for one.
    bool is_instance = r.unit.find('@') != std::string::npos;
    std::vector<std::string> targets = r.wanted_by;
    if (targets.empty() && (own.empty() || is_instance || ours_applied))
        targets = own.empty() ? std::vector<std::string>{kDefaultWantedBy} : own;
    if (!targets.empty()) {
        if (auto ok = put(dir + "/" + kEnabledDropIn, wanted_by_text(targets), done); !ok)
            return ok.error();
    }
    return done;
}

}  // namespace fastinit
