#include "boot/kernel_modprobe.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"
#include "base/text.h"
#include "device-cache/filesystem_modules.h"
#include "device-cache/module_tree.h"

namespace fastinit {

namespace {

// The longest alias the kernel builds is a crypto template of a template
// ("crypto-essiv(cbc(aes),sha256)-all"); anything far longer is not it.
constexpr size_t kMaxRequestName = 256;

// A helper the kernel starts may have no standard descriptors: without
// this, the first file opened (the kernel log, a module) would become
// "stderr" and a message could be written into it.
void hold_standard_descriptors() {
    for (;;) {
        int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (fd < 0)
            return;
        if (fd > 2) {
            ::close(fd);
            return;
        }
    }
}

}  // namespace

Result<ModprobeRequest> parse_modprobe_request(const std::vector<std::string>& args) {
    ModprobeRequest request;
    std::vector<std::string> names;
    bool options_done = false;
    for (const std::string& arg : args) {
        if (!options_done && arg == "--") {
            options_done = true;
        } else if (!options_done && arg == "-q") {
            request.quiet = true;
        } else if (!options_done && arg == "-b") {
            // The blacklist always applies here (libkmod reads modprobe.d).
        } else if (!options_done && arg.starts_with("-")) {
            return Error{"option " + to_valid_utf8(arg) +
                         " not supported: this modprobe only loads what the kernel asks for"};
        } else {
            names.push_back(arg);
        }
    }
    if (names.size() != 1)
        return Error{names.empty() ? "no module named"
                                   : "one module at a time, without parameters (got " +
                                         std::to_string(names.size()) + " words)"};
    if (names[0].empty() || names[0].size() > kMaxRequestName)
        return Error{"module name of " + std::to_string(names[0].size()) + " bytes"};
    request.name = names[0];
    return request;
}

int run_kernel_modprobe(int argc, char** argv) {
    hold_standard_descriptors();
    log::set_prefix("fastinit[modprobe]");
    log::enable_kmsg();
    auto request = parse_modprobe_request(std::vector<std::string>(argv + 1, argv + argc));
    if (!request) {
        log::error(request.error().message);
        return 1;
    }
    auto loaded = load_named_modules_here(running_module_tree(), {request->name});
    if (!loaded) {
        // The kernel asks with -q for things that may well not exist (an
        // optional accelerated cipher): those failures are not news.
        if (request->quiet)
            log::debug(to_valid_utf8(request->name), ": ", loaded.error().message);
        else
            log::warning(to_valid_utf8(request->name), ": ", loaded.error().message);
        return 1;
    }
    log::info("loaded ", to_valid_utf8(request->name), " for the kernel");
    return 0;
}

}  // namespace fastinit
