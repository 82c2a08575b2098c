// `fastinit import-systemd FILE.service... [--out DIR]`: each systemd
// service file becomes NAME.toml in DIR (or on standard output), with what
// was not carried over (or was changed) listed as comments at its top and on standard error.
// Exit status 1 when a file could not be read or its unit does not load in
// fastinit as converted (it is still written, for the admin to finish).
#include <cstdio>

#include "base/args.h"
#include "base/atomic_file.h"
#include "base/text.h"
#include "cli/systemd_import.h"
#include "cli/systemd_unit_file.h"
#include "cli/verbs.h"

namespace fastinit {

int verb_import_systemd(const Args& args) {
    std::string out_dir;
    auto files = arg::parse({.options = {arg::value("--out", out_dir)}}, args);
    if (!files) {
        std::fprintf(stderr, "fastinit import-systemd: %s\n", files.error().message.c_str());
        return 2;
    }
    if (files->empty()) {
        std::fprintf(stderr, "usage: fastinit import-systemd FILE.service... [--out DIR]\n");
        return 2;
    }
    int status = 0;
    for (const auto& path : *files) {
        auto text = read_file_at_most(path, kSystemdUnitMaxSize);
        if (!text) {
            std::fprintf(stderr, "fastinit import-systemd: %s\n", text.error().message.c_str());
            status = 1;
            continue;
        }
        std::string base = path.substr(path.rfind('/') + 1);
        ImportedUnit unit = import_systemd_unit(base, path, *text);
        std::string header =
            "# Imported from " + to_valid_utf8(path) + " by fastinit import-systemd.\n";
        if (!unit.not_carried.empty())
            header += "# Not carried over, or changed:\n";
        for (const auto& n : unit.not_carried) {
            std::string line = to_valid_utf8(n);
            for (char& c : line)
                if (c == '\n' || c == '\r')
                    c = ' ';
            header += "#   " + line + "\n";
            std::fprintf(stderr, "%s: note: %s\n", path.c_str(), n.c_str());
        }
        if (unit.name.empty()) {
            status = 1;
            continue;
        }
        if (!unit.parses) {
            std::fprintf(stderr, "%s: error: the converted unit does not load in fastinit\n",
                         path.c_str());
            status = 1;
        }
        std::string toml = header + "\n" + unit.toml;
        if (out_dir.empty()) {
            std::printf("# %s.toml\n%s\n", unit.name.c_str(), toml.c_str());
            continue;
        }
        std::string target = out_dir + "/" + unit.name + ".toml";
        auto written = write_file_atomically(target, toml);
        if (!written) {
            std::fprintf(stderr, "fastinit import-systemd: %s: %s\n", target.c_str(),
                         written.error().message.c_str());
            status = 1;
            continue;
        }
        std::fprintf(stderr, "Wrote %s.\n", target.c_str());
    }
    return status;
}

}  // namespace fastinit
