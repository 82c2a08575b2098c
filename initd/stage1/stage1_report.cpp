#include "initd/stage1/stage1_report.h"

#include "base/json_text.h"

namespace fastinit {

nlohmann::json device_phase_json(const DevicePhaseReport& devices, long long start_us,
                                 long long end_us) {
    // end_us: when the boot could go on to its root; all_loaded_us (added
    // later): when the last module was in, if it was in here.
    return {{"mode", devices.mode},
            {"reason", devices.reason},
            {"modules_loaded", devices.modules_loaded},
            {"modules_failed", devices.modules_failed},
            {"check_us", devices.check_us},
            {"check_parts_us",
             {{"read_cache", devices.read_us},
              {"enumerate", devices.enumerate_us},
              {"fingerprint", devices.fingerprint_us}}},
            {"root_first", devices.root_first},
            {"start_us", start_us},
            {"end_us", end_us}};
}

std::string stage1_report_text(const nlohmann::json& report, std::string& error) {
    auto text = json_text(report, 1);
    if (text)
        return *text + "\n";
    error = text.error().message;
    // Built by hand: the message is ASCII from nlohmann or the C++ library,
    // but nothing here may depend on that being so.
    std::string escaped;
    for (char c : error)
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            escaped += c;
    return "{\"error\": \"" + escaped + "\"}\n";
}

}  // namespace fastinit
