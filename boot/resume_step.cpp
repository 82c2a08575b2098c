#include "boot/resume_step.h"

#include "base/log.h"
#include "boot/resume.h"

namespace fastinit {

void resume_from_hibernation(Stage1System& system, const KernelCmdline& cmdline) {
    ResumeDecision decision = resume_decision(cmdline, system.image_resume_default());
    if (decision.error) {
        log::warning(decision.error->message);
        return;
    }
    if (!decision.skipped.empty())
        log::info("not resuming from hibernation: ", decision.skipped);
    if (!decision.request)
        return;
    const ResumeRequest& request = *decision.request;
    std::string number = request.device;
    if (!is_device_number(number)) {
        RootSpec spec;
        spec.source = request.device;
        spec.timeout = kResumeWait;
        auto found = system.wait_for_root(spec, {});
        if (!found) {
            log::warning("resume device ", request.device, " did not appear within ",
                         format_duration(kResumeWait), "; booting without resuming");
            return;
        }
        auto device = system.device_number(found->node);
        if (!device) {
            log::warning("resume device ", found->node, ": ", device.error().message,
                         "; booting without resuming");
            return;
        }
        number = *device;
    }
    log::info("looking for a hibernation image on ", request.device, " (", number, ")");
    for (const auto& [file, text] : resume_writes(request, number))
        if (auto written = system.write_power_file(file, text); !written) {
            log::warning("cannot resume from ", request.device, ": ", written.error().message,
                         "; booting without resuming");
            return;
        }
    // Still here: the kernel found no image (or one it would not take).
    log::info("no hibernation image on ", request.device, "; booting");
}

}  // namespace fastinit
