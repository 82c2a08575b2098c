// A temporary directory tree for tests: fixture /boot trees, unit
// directories, passwd files, /proc/cmdline stand-ins. Removed with the object.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace fastinit {

class TempTree {
  public:
    TempTree() {
        std::string pattern = (std::filesystem::temp_directory_path() / "fastinit-test-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::system_error(errno, std::generic_category(), "mkdtemp");
        m_root = pattern;
    }
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;
    ~TempTree() {
        std::error_code ec;
        std::filesystem::remove_all(m_root, ec);
    }

    const std::filesystem::path& root() const { return m_root; }
    std::filesystem::path path(const std::string& relative) const { return m_root / relative; }

    std::filesystem::path write(const std::string& relative, std::string_view content) {
        std::filesystem::path p = path(relative);
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
    std::filesystem::path link(const std::string& relative, const std::string& target) {
        std::filesystem::path p = path(relative);
        std::filesystem::create_directories(p.parent_path());
        std::filesystem::create_symlink(target, p);
        return p;
    }

  private:
    std::filesystem::path m_root;
};

}  // namespace fastinit
