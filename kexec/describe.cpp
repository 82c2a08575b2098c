#include "kexec/describe.h"

namespace fastinit {

std::string format_kexec_choice(const PreparedKexec& prepared) {
    const KernelChoice& choice = prepared.choice;
    std::string out = "kernel:       " + choice.kernel.string();
    if (!choice.kernel_target.empty())
        out += " -> " + choice.kernel_target.string();
    out += "\ninitrd:       ";
    if (choice.initrds.empty())
        out += "(none)";
    for (size_t i = 0; i < choice.initrds.size(); ++i)
        out += (i ? " + " : "") + choice.initrds[i].string();
    if (prepared.extra_initrd_bytes > 0)
        out += " + " + std::to_string(prepared.extra_initrd_bytes) + " bytes appended";
    out += "\ncmdline:      " + prepared.cmdline.text + "\n";
    out += "chosen by:    " + std::string(to_string(choice.rule)) + ": " + choice.reason + "\n";
    out += "cmdline from: " + prepared.cmdline_source + "\n";
    for (const auto& word : prepared.cmdline.dropped)
        out += "dropped:      " + word + " (one-shot)\n";
    for (const auto& note : choice.notes)
        out += "note:         " + note + "\n";
    return out;
}

std::string format_reboot_steps(PowerAction mode) {
    std::string out;
    int n = 0;
    for (RebootStep step : reboot_steps(mode))
        out += std::to_string(++n) + ". " + describe(step, mode) + "\n";
    return out;
}

}  // namespace fastinit
