// /etc/network/interfaces as hostile text: read_auto_interfaces on any
// bytes, the file sourcing itself through any glob or directory it names
// (the bounds on depth and files must hold). Every name it returns is a
// valid net: device, listed once, never lo; at most kInterfacesMaxAuto; a
// list that is not complete is empty and says why in printable UTF-8.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "base/text.h"
#include "initd/unit/device_spec.h"
#include "initd/unit/ifupdown_interfaces.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string text(reinterpret_cast<const char*>(data), size);
    const std::string top = "/etc/network/interfaces";
    int reads = 0;
    InterfacesFiles files;
    files.read = [&](const std::string&) -> Result<std::string> {
        ++reads;
        if (text.size() > kInterfacesMaxFileSize)
            return Error{"too large", EFBIG};
        return text;
    };
    files.glob = [&](const std::string&) -> Result<std::vector<std::string>> {
        return std::vector<std::string>{top};
    };
    files.directory = [&](const std::string&) -> Result<std::vector<std::string>> {
        return std::vector<std::string>{top, top};
    };
    AutoInterfaces got = read_auto_interfaces(top, files);
    if (reads > static_cast<int>(kInterfacesMaxFiles) + 1)
        std::abort();
    if (got.names.size() > kInterfacesMaxAuto)
        std::abort();
    if (!got.complete && (!got.names.empty() || got.why_not.empty()))
        std::abort();
    std::set<std::string> seen;
    for (const std::string& name : got.names)
        if (name == "lo" || !seen.insert(name).second || !parse_device_spec("net:" + name).ok())
            std::abort();
    if (!is_valid_utf8(got.why_not))
        std::abort();
    for (unsigned char c : got.why_not)
        if (c < 0x20 || c == 0x7f)
            std::abort();
    return 0;
}
