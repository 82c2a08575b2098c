#include "boot/resume.h"

#include <charconv>

namespace fastinit {

namespace {

bool all_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

bool is_tag(const std::string& text) {
    for (std::string_view prefix : {"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL="})
        if (text.starts_with(prefix) && text.size() > prefix.size())
            return true;
    return false;
}

}  // namespace

bool is_device_number(const std::string& text) {
    size_t colon = text.find(':');
    if (colon == std::string::npos)
        return false;
    std::string_view major = std::string_view(text).substr(0, colon);
    std::string_view minor = std::string_view(text).substr(colon + 1);
    return all_digits(major) && all_digits(minor) && major.size() <= 10 && minor.size() <= 10;
}

ResumeDecision resume_decision(const KernelCmdline& cmdline, const std::string& image_default) {
    ResumeDecision decision;
    auto device = cmdline.value("resume");
    if (!device && !image_default.empty())
        device = image_default;
    if (!device || device->empty())
        return decision;
    // noresume wins wherever it is, as in the kernel: it is how one boots
    // past an image that would not resume.
    if (cmdline.has("noresume")) {
        decision.skipped = "noresume on the command line";
        return decision;
    }
    if (!device->starts_with("/dev/") && !is_tag(*device) && !is_device_number(*device)) {
        decision.error = Error{"resume=" + *device +
                               " is not understood (use /dev/…, UUID=, LABEL=, PARTUUID=, "
                               "PARTLABEL= or MAJ:MIN); not resuming"};
        return decision;
    }
    ResumeRequest request{*device, std::nullopt};
    if (auto offset = cmdline.value("resume_offset")) {
        uint64_t value = 0;
        auto [end, ec] = std::from_chars(offset->data(), offset->data() + offset->size(), value);
        if (offset->empty() || ec != std::errc() || end != offset->data() + offset->size()) {
            decision.error =
                Error{"resume_offset=" + *offset + " is not a number of pages; not resuming"};
            return decision;
        }
        request.offset = value;
    }
    decision.request = request;
    return decision;
}

std::vector<std::pair<std::string, std::string>> resume_writes(const ResumeRequest& request,
                                                               const std::string& device_number) {
    std::vector<std::pair<std::string, std::string>> writes;
    if (request.offset)
        writes.emplace_back("resume_offset", std::to_string(*request.offset));
    writes.emplace_back("resume", device_number);
    return writes;
}

}  // namespace fastinit
