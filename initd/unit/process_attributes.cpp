#include "initd/unit/process_attributes.h"

#include <sys/capability.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "base/byte_size.h"
#include "initd/unit/environment_name.h"

namespace fastinit {
namespace {

constexpr int kMaxCpus = 1024;  // CPU_SETSIZE: what one cpu_set_t holds

std::string quoted(std::string_view text) {
    return "\"" + escape_for_message(text) + "\"";
}

Result<uint64_t> parse_limit_number(const LimitKind& kind, std::string_view text) {
    if (text == "infinity")
        return uint64_t{RLIM_INFINITY};
    const char* expected = kind.bytes
                               ? "expected \"infinity\" or bytes such as 4096, \"64K\" or \"8M\""
                               : "expected \"infinity\" or a whole number";
    ByteSize size = parse_byte_size(text, kind.bytes);
    if (size.status == ByteSizeStatus::too_large)
        return Error{quoted(text) + " is too large (use \"infinity\")"};
    if (size.status != ByteSizeStatus::ok)
        return Error{std::string(expected) + ", got " + quoted(text)};
    return size.bytes;
}

}  // namespace

const std::vector<LimitKind>& limit_kinds() {
    static const std::vector<LimitKind> kinds = {
        {"as", RLIMIT_AS, true},
        {"core", RLIMIT_CORE, true},
        {"cpu", RLIMIT_CPU, false},
        {"data", RLIMIT_DATA, true},
        {"fsize", RLIMIT_FSIZE, true},
        {"locks", RLIMIT_LOCKS, false},
        {"memlock", RLIMIT_MEMLOCK, true},
        {"msgqueue", RLIMIT_MSGQUEUE, true},
        {"nice", RLIMIT_NICE, false},
        {"nofile", RLIMIT_NOFILE, false},
        {"nproc", RLIMIT_NPROC, false},
        {"rss", RLIMIT_RSS, true},
        {"rtprio", RLIMIT_RTPRIO, false},
        {"rttime", RLIMIT_RTTIME, false},
        {"sigpending", RLIMIT_SIGPENDING, false},
        {"stack", RLIMIT_STACK, true},
    };
    return kinds;
}

Result<ResourceLimit> parse_resource_limit(const LimitKind& kind, std::string_view text) {
    ResourceLimit limit;
    limit.resource = kind.resource;
    size_t colon = text.find(':');
    auto soft = parse_limit_number(kind, text.substr(0, colon));
    if (!soft)
        return soft.error();
    limit.soft = limit.hard = *soft;
    if (colon != std::string_view::npos) {
        auto hard = parse_limit_number(kind, text.substr(colon + 1));
        if (!hard)
            return hard.error();
        limit.hard = *hard;
        if (limit.soft > limit.hard)
            return Error{"the soft limit (before ':') is above the hard limit in " + quoted(text)};
    }
    return limit;
}

Result<mode_t> parse_octal_mode(std::string_view text, mode_t max) {
    unsigned mode = 0;
    auto [rest, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (ec != std::errc() || rest != text.data() + text.size() || text.empty() || mode > max) {
        char highest[8];
        std::snprintf(highest, sizeof highest, "%04o", static_cast<unsigned>(max));
        return Error{"expected an octal mode from \"0000\" to \"" + std::string(highest) +
                     "\", got " + quoted(text)};
    }
    return static_cast<mode_t>(mode);
}

Result<void> parse_cpu_list(std::string_view text, std::vector<int>& cpus) {
    auto number = [&](std::string_view part) -> std::optional<int> {
        int n = 0;
        auto [rest, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
        if (ec != std::errc() || rest != part.data() + part.size() || part.empty() || n < 0 ||
            n >= kMaxCpus)
            return std::nullopt;
        return n;
    };
    const std::string expected =
        "expected CPU numbers from 0 to 1023 or ranges such as \"0-3\", got ";
    if (text.empty())
        return Error{expected + quoted(text)};
    while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view part = text.substr(0, comma);
        text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
        size_t dash = part.find('-');
        auto first = number(part.substr(0, dash));
        auto last = dash == std::string_view::npos ? first : number(part.substr(dash + 1));
        if (!first || !last || *last < *first)
            return Error{expected + quoted(part)};
        for (int cpu = *first; cpu <= *last; ++cpu)
            cpus.push_back(cpu);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    return {};
}

Result<int> parse_capability(std::string_view name) {
    std::string lower;
    for (char c : name)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // libcap also takes numbers; a unit names capabilities, so "cap_" first.
    cap_value_t value = 0;
    if (lower.rfind("cap_", 0) != 0 || lower.find('\0') != std::string::npos ||
        cap_from_name(lower.c_str(), &value) != 0 || value < 0 || value > 63)
        return Error{quoted(name) + " is not a capability name such as \"CAP_NET_BIND_SERVICE\""};
    return static_cast<int>(value);
}

Result<void> check_directory_name(std::string_view name) {
    if (name.empty() || name.size() > 1024)
        return Error{"expected a relative directory name of 1 to 1024 characters"};
    if (name.front() == '/')
        return Error{quoted(name) + " is absolute; name it relative to the base directory"};
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            return Error{quoted(name) + " contains a control character"};
    std::string_view rest = name;
    while (true) {
        size_t slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        if (part.empty() || part == "." || part == "..")
            return Error{quoted(name) +
                         " has an empty, \".\" or \"..\" component: it must stay inside its base "
                         "directory"};
        if (slash == std::string_view::npos)
            return {};
        rest.remove_prefix(slash + 1);
    }
}

Result<EnvironmentFileRef> parse_environment_file_ref(std::string_view text) {
    EnvironmentFileRef ref;
    if (!text.empty() && text.front() == '-') {
        ref.optional = true;
        text.remove_prefix(1);
    }
    if (text.empty() || text.front() != '/' || text.find('\0') != std::string_view::npos)
        return Error{"expected an absolute path, optionally after '-', got " + quoted(text)};
    ref.path = std::string(text);
    return ref;
}

}  // namespace fastinit
