// A "newc" cpio archive in memory: the format the kernel unpacks as an
// initramfs. Used to append files (a fresh device-cache snapshot) to the
// initrd that kexec loads, without touching the initrd on disk.
#pragma once

#include <string>
#include <vector>

namespace fastinit {

struct CpioEntry {
    std::string path;  // in the archive, without a leading "/"
    std::string data;  // file contents; ignored for directories
    unsigned mode = 0644;
    bool directory = false;
};

// Directories must precede their contents (the kernel creates nothing
// implicitly). Ends with the TRAILER!!! record.
std::string make_cpio_archive(const std::vector<CpioEntry>& entries);

// The archive that places `data` at `path`, with its parent directories.
std::string cpio_with_file(const std::string& path, const std::string& data, unsigned mode = 0644);

}  // namespace fastinit
