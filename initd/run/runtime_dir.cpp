#include "initd/run/runtime_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/atomic_file.h"

namespace fastinit {

Result<void> prepare_runtime_dir(const std::string& path) {
    bool created = ::mkdir(path.c_str(), 0755) == 0;
    if (!created && errno != EEXIST)
        return system_error("cannot create the runtime directory " + path);
    auto dir = open_private_directory(path);
    if (!dir)
        return Error{"runtime directory: " + dir.error().message, dir.error().errno_value};
    // Ours from birth; the umask may have left it narrower than others need
    // (clients read boot.json), never wider.
    if (created && ::fchmod(dir->get(), 0755) < 0)
        return system_error("cannot set the mode of " + path);
    return {};
}

Result<std::string> make_private_runtime_dir() {
    struct stat st;
    std::string base = ::stat("/run", &st) == 0 && S_ISDIR(st.st_mode) ? "/run" : "/tmp";
    std::string pattern = base + "/fastinit-private.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        return system_error("cannot create a private runtime directory in " + base);
    // mkdtemp makes it 0700; services that are not root connect to the
    // notify socket inside.
    if (::chmod(pattern.c_str(), 0755) < 0)
        return system_error("cannot set the mode of " + pattern);
    return pattern;
}

}  // namespace fastinit
