// Environment files (environment_file = [...]), which the launcher reads for
// every start of a service that names one: parse_environment_file on any
// bytes. Every variable kept must have a name a process environment can
// carry and a value without NUL; every problem names the file and a line.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "initd/unit/environment_file.h"
#include "initd/unit/environment_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    EnvironmentFileContents env = parse_environment_file("/etc/default/x", text);
    for (const auto& [name, value] : env.variables)
        if (!check_environment_name(name).ok() || value.find('\0') != std::string::npos ||
            value.size() > size)
            std::abort();
    for (const auto& problem : env.problems)
        if (problem.rfind("/etc/default/x:", 0) != 0)
            std::abort();
    for (size_t i = 0; i < env.variables.size(); ++i)
        for (size_t j = i + 1; j < env.variables.size(); ++j)
            if (env.variables[i].first == env.variables[j].first)
                std::abort();
    return 0;
}
