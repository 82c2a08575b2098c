// Stage 1's report, /run/fastinit/initrd.json: the phase times of the
// initramfs for `fastinit analyze`. Its strings include what the device
// cache said (module names, the reason for a probe), and a cache is a file
// anyone with root on the last boot could have written: writing the report
// must not be able to fail, since stage 1 is PID 1.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "initd/stage1/stage1_main.h"

namespace fastinit {

// The "devices" object: the device phase from `start_us` to `end_us`.
nlohmann::json device_phase_json(const DevicePhaseReport& devices, long long start_us,
                                 long long end_us);

// The report as text, one line per value. Bytes that are not UTF-8 become
// U+FFFD; if the report cannot be written at all, the text is an object
// with only "error" saying why, and `error` gets the same sentence. Never
// throws.
std::string stage1_report_text(const nlohmann::json& report, std::string& error);

}  // namespace fastinit
