// `fastinit enable|disable UNIT [--wanted-by TARGET]... [--root DIR]`: writes
// or removes the admin's drop-ins that decide whether UNIT's wanted_by pulls
// it in (enablement.h), printing each file it created or removed. The
// running manager is not told: the change applies at the next load.
#include <cstdio>

#include "base/args.h"
#include "cli/enablement.h"
#include "cli/verbs.h"

namespace fastinit {

int verb_enablement(bool enable, const Args& args) {
    const char* verb = enable ? "enable" : "disable";
    EnableRequest request;
    auto words = arg::parse({.options = {arg::value("--wanted-by", request.wanted_by),
                                         arg::value("--root", request.root)}},
                            args);
    if (!words) {
        std::fprintf(stderr, "fastinit %s: %s\n", verb, words.error().message.c_str());
        return 2;
    }
    if (words->size() != 1 || (!enable && !request.wanted_by.empty())) {
        std::fprintf(stderr,
                     "usage: fastinit enable UNIT [--wanted-by TARGET]... [--root DIR]\n"
                     "       fastinit disable UNIT [--root DIR]\n");
        return 2;
    }
    request.unit = words->front();
    auto done = enable ? enable_unit(request) : disable_unit(request);
    if (!done) {
        std::fprintf(stderr, "fastinit %s: %s\n", verb, done.error().message.c_str());
        return 1;
    }
    for (const auto& line : *done)
        std::printf("%s\n", line.c_str());
    if (done->empty())
        std::printf("%s is already %s.\n", request.unit.c_str(), enable ? "enabled" : "disabled");
    return 0;
}

}  // namespace fastinit
