// Boot Loader Spec entries, which `fastinit reboot` reads from /boot to pick
// the kernel a cold boot would start: the entry parser, the version order
// and the loader.conf default pattern, on any bytes.
//
// Input: an entry's text; its first line (up to a newline) doubles as the
// entry's id, the `default` pattern and a file name with a boot counter, the
// second as another id to order and as a wish (EFI variable, --entry).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kexec/boot_entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace fastinit;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view first = text.substr(0, text.find('\n'));
    std::string_view rest =
        text.substr(first.size() < text.size() ? first.size() + 1 : text.size());
    std::string_view second = rest.substr(0, rest.find('\n'));

    // A total order: antisymmetric, and every name equals itself.
    int forward = compare_versions(first, second);
    if (forward != -compare_versions(second, first) || compare_versions(first, first) != 0)
        std::abort();

    BootEntries entries;
    entries.loader_default = std::string(first);
    auto entry = parse_boot_entry(first, text, "/boot");
    if (entry) {
        if (entry->kernel.empty())
            std::abort();
        entries.entries.push_back(std::move(*entry));
    } else if (entry.error().message.empty()) {
        std::abort();  // a skipped entry always says why
    }
    entries.entries.push_back({std::string(second), "", "", "/boot/k", {}, "", "", -1});
    auto chosen = choose_default_entry(entries);
    if (!chosen || chosen->index >= entries.entries.size())
        std::abort();
    // The same line as a wish (an EFI variable, grubenv, --entry).
    auto wished = choose_entry(entries, {{"wish", std::string(second)}});
    if (!wished || wished->index >= entries.entries.size() || wished->unmatched.size() > 1)
        std::abort();

    // The first line as a file name with a boot counter.
    BootCounter counter = parse_boot_counter(first);
    if (counter.id.size() > first.size() || counter.tries_left < -1 || counter.tries_done < -1)
        std::abort();
    return 0;
}
