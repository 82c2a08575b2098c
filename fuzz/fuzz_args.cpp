// The argument words PID 1 is handed by the kernel (every word of the
// command line it did not know, and all after `--`): arg::parse on any
// words, NUL-separated, with a table like the manager's, in each mode.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/args.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> words;
    for (size_t start = 0; start <= text.size();) {
        size_t end = std::min(text.find('\0', start), text.size());
        words.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::vector<std::string> units;
    std::string target;
    bool debug = false;
    std::optional<std::string> pid;
    for (int mode = 0; mode < 3; ++mode) {
        arg::Spec spec{.options = {arg::value("--units", units), arg::value("--target", target),
                                   arg::flag("--debug", debug, 'd'),
                                   arg::inline_value("--pid",
                                                     [&](std::optional<std::string_view> v) {
                                                         pid = v ? std::string(*v) : "";
                                                     })},
                       .max_positionals = mode == 0 ? 0 : SIZE_MAX,
                       .stop_at_positional = mode == 1,
                       .unknown_as_positional = mode == 2};
        auto rest = arg::parse(spec, words);
        // Nothing is made up: every positional argument is one of the words.
        if (rest && rest->size() > words.size())
            std::abort();
    }
    return 0;
}
