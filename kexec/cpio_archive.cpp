#include "kexec/cpio_archive.h"

#include <sys/stat.h>

#include <cstdio>

namespace fastinit {
namespace {

void pad4(std::string& out) {
    while (out.size() % 4)
        out += '\0';
}

void append_entry(std::string& out, unsigned inode, const std::string& name, unsigned mode,
                  const std::string& data) {
    char header[111];
    // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
    // devminor, rdevmajor, rdevminor, namesize, check
    std::snprintf(header, sizeof header,
                  "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", inode, mode, 0u, 0u,
                  (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u, static_cast<unsigned>(data.size()), 0u,
                  0u, 0u, 0u, static_cast<unsigned>(name.size() + 1), 0u);
    out.append(header, 110);
    out += name;
    out += '\0';
    pad4(out);
    out += data;
    pad4(out);
}

}  // namespace

std::string make_cpio_archive(const std::vector<CpioEntry>& entries) {
    std::string out;
    unsigned inode = 1;
    for (const auto& e : entries) {
        unsigned mode = (e.directory ? S_IFDIR : S_IFREG) | (e.mode & 07777);
        append_entry(out, inode++, e.path, mode, e.directory ? std::string() : e.data);
    }
    append_entry(out, 0, "TRAILER!!!", 0, "");
    return out;
}

std::string cpio_with_file(const std::string& path, const std::string& data, unsigned mode) {
    std::vector<CpioEntry> entries;
    for (size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1))
        entries.push_back({path.substr(0, slash), "", 0755, true});
    entries.push_back({path, data, mode, false});
    return make_cpio_archive(entries);
}

}  // namespace fastinit
