#include "initd/unit/ifupdown_interfaces.h"

#include <dirent.h>
#include <glob.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "base/text.h"
#include "initd/unit/device_spec.h"

namespace fastinit {
namespace {

// What ifupdown's `auto` can raise is what net:NAME can wait for
// (device_spec.h checks the kernel's rules for a name).
bool is_interface_name(const std::string& name) {
    return parse_device_spec("net:" + name).ok();
}

// For messages: hostile bytes shown as '?'.
std::string shown(std::string_view text) {
    std::string out = to_valid_utf8(text.substr(0, 64));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = '?';
    return out;
}

// ifupdown joins a line ending in a backslash with the next.
std::vector<std::string> logical_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::string current;
    while (!text.empty()) {
        size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (!line.empty() && line.back() == '\\') {
            current += line.substr(0, line.size() - 1);
            continue;
        }
        current += line;
        lines.push_back(std::move(current));
        current.clear();
    }
    if (!current.empty())
        lines.push_back(std::move(current));
    return lines;
}

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start)
            out.emplace_back(line.substr(start, i - start));
    }
    return out;
}

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

class Reader {
  public:
    Reader(const InterfacesFiles& files, AutoInterfaces& out) : m_files(files), m_out(out) {}

    // False once something is not known for sure (m_out.why_not says what).
    bool read(const std::string& path, size_t depth, bool top) {
        if (depth > kInterfacesMaxDepth)
            return fail(path + " is sourced more than " + std::to_string(kInterfacesMaxDepth) +
                        " levels deep");
        if (++m_files_read > kInterfacesMaxFiles)
            return fail("more than " + std::to_string(kInterfacesMaxFiles) + " files to read");
        auto text = m_files.read(path);
        if (!text) {
            if (top && text.error().errno_value == ENOENT)
                return true;  // no ifupdown configuration at all
            return fail(text.error().message);
        }
        for (const std::string& line : logical_lines(*text)) {
            std::vector<std::string> w = words(line);
            if (w.empty() || w[0].starts_with("#"))
                continue;
            if (w[0] == "auto" || w[0] == "allow-auto") {
                for (size_t i = 1; i < w.size(); ++i)
                    if (!add(w[i], path))
                        return false;
            } else if (w[0] == "source" || w[0] == "source-directory") {
                for (size_t i = 1; i < w.size(); ++i)
                    if (!source(w[0], w[i], path, depth))
                        return false;
            }
        }
        return true;
    }

  private:
    bool fail(std::string why) {
        m_out.why_not = std::move(why);
        return false;
    }

    bool add(const std::string& name, const std::string& path) {
        if (!is_interface_name(name))
            return fail(path + ": \"" + shown(name) + "\" is no interface name");
        if (name == "lo" ||
            std::find(m_out.names.begin(), m_out.names.end(), name) != m_out.names.end())
            return true;
        if (m_out.names.size() == kInterfacesMaxAuto)
            return fail("more than " + std::to_string(kInterfacesMaxAuto) + " auto interfaces");
        m_out.names.push_back(name);
        return true;
    }

    // Relative paths are taken from the directory of the file naming them.
    bool source(const std::string& kind, const std::string& target, const std::string& from,
                size_t depth) {
        std::string full = target.starts_with("/") ? target : directory_of(from) + "/" + target;
        // A wildcard in a directory ("/*/*/x") would have PID 1 walk the
        // file system; Debian's own is in the file name only.
        if (kind == "source" &&
            full.substr(0, full.rfind('/')).find_first_of("*?[") != std::string::npos)
            return fail(from + ": \"" + shown(target) +
                        "\" has a wildcard in a directory; only file names are matched");
        auto paths = kind == "source" ? m_files.glob(full) : m_files.directory(full);
        if (!paths)
            return fail(paths.error().message);
        for (const std::string& path : *paths)
            if (!read(path, depth + 1, false))
                return false;
        return true;
    }

    const InterfacesFiles& m_files;
    AutoInterfaces& m_out;
    size_t m_files_read = 0;
};

bool ifupdown_takes(std::string_view name) {
    if (name.empty())
        return false;
    for (unsigned char c : name)
        if (!(std::isalnum(c) || c == '_' || c == '-'))
            return false;
    return true;
}

}  // namespace

AutoInterfaces read_auto_interfaces(const std::string& path, const InterfacesFiles& files) {
    AutoInterfaces out;
    Reader reader(files, out);
    out.complete = reader.read(path, 0, true);
    if (!out.complete)
        out.names.clear();
    return out;
}

InterfacesFiles real_interfaces_files() {
    InterfacesFiles files;
    files.read = [](const std::string& path) {
        return read_file_at_most(path, kInterfacesMaxFileSize);
    };
    files.glob = [](const std::string& pattern) -> Result<std::vector<std::string>> {
        glob_t found{};
        int status = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &found);
        std::vector<std::string> paths;
        if (status == 0)
            for (size_t i = 0; i < found.gl_pathc && i <= kInterfacesMaxFiles; ++i)
                paths.emplace_back(found.gl_pathv[i]);
        ::globfree(&found);
        if (status != 0 && status != GLOB_NOMATCH)
            return Error{"cannot expand " + shown(pattern)};
        return paths;  // glob sorts
    };
    files.directory = [](const std::string& dir) -> Result<std::vector<std::string>> {
        std::vector<std::string> paths;
        DIR* d = ::opendir(dir.c_str());
        if (!d)
            return errno == ENOENT ? Result<std::vector<std::string>>(paths)
                                   : Result<std::vector<std::string>>(
                                         system_error("cannot read " + shown(dir)));
        while (dirent* entry = ::readdir(d)) {
            if (paths.size() > kInterfacesMaxFiles)
                break;
            if (ifupdown_takes(entry->d_name) &&
                (entry->d_type == DT_REG || entry->d_type == DT_UNKNOWN))
                paths.push_back(dir + "/" + entry->d_name);
        }
        ::closedir(d);
        std::sort(paths.begin(), paths.end());
        return paths;
    };
    return files;
}

std::vector<std::string> wait_for_interfaces(UnitSet& set, const AutoInterfaces& interfaces) {
    auto networking = set.units.find("networking");
    if (!interfaces.complete || interfaces.names.empty() || networking == set.units.end())
        return {};
    std::vector<std::string> added;
    std::vector<std::string>& waits = networking->second.after_devices;
    for (const std::string& name : interfaces.names) {
        std::string spec = "net:" + name;
        if (waits.size() >= kMaxDeviceSpecs)
            break;
        if (std::find(waits.begin(), waits.end(), spec) == waits.end()) {
            waits.push_back(spec);
            added.push_back(spec);
        }
    }
    if (auto settle = set.units.find("udev-settle"); settle != set.units.end())
        std::erase(settle->second.wanted_by, "networking");
    return added;
}

}  // namespace fastinit
