#include "base/initrd_report.h"

#include <exception>

#include "base/json_text.h"

namespace fastinit {

void to_json(nlohmann::json& out, const InitrdReport::Devices& d) {
    out = {{"mode", d.mode},
           {"reason", d.reason},
           {"modules_loaded", d.modules_loaded},
           {"modules_failed", d.modules_failed},
           {"check_us", d.check_us},
           {"check_parts_us",
            {{"read_cache", d.read_cache_us},
             {"enumerate", d.enumerate_us},
             {"fingerprint", d.fingerprint_us}}},
           {"root_first", d.root_first},
           {"start_us", d.start_us},
           {"end_us", d.end_us},
           {"left_for_the_real_root", d.left_for_the_real_root},
           {"finished_us", d.finished_us},
           {"module_index", d.module_index}};
    if (d.all_loaded_us)
        out["all_loaded_us"] = *d.all_loaded_us;
}

void to_json(nlohmann::json& out, const InitrdReport& r) {
    out = {{"userspace_start_us", r.userspace_start_us},
           {"devices", r.devices},
           {"root",
            {{"device", r.root.device},
             {"found_us", r.root.found_us},
             {"ready_us", r.root.ready_us},
             {"mounted_us", r.root.mounted_us}}},
           {"switch_root_us", r.switch_root_us},
           {"next_init", r.next_init}};
    const InitrdReport::Root::Fsck& f = r.root.fsck;
    if (!f.result.empty())
        out["root"]["fsck"] = {{"result", f.result},     {"why", f.why},
                               {"tool", f.tool},         {"status", f.status},
                               {"start_us", f.start_us}, {"end_us", f.end_us}};
}

void from_json(const nlohmann::json& in, InitrdReport::Devices& d) {
    read_field(in, "mode", d.mode);
    read_field(in, "reason", d.reason);
    read_field(in, "modules_loaded", d.modules_loaded);
    read_field(in, "modules_failed", d.modules_failed);
    read_field(in, "check_us", d.check_us);
    if (auto parts = in.find("check_parts_us"); parts != in.end()) {
        read_field(*parts, "read_cache", d.read_cache_us);
        read_field(*parts, "enumerate", d.enumerate_us);
        read_field(*parts, "fingerprint", d.fingerprint_us);
    }
    read_field(in, "root_first", d.root_first);
    read_field(in, "start_us", d.start_us);
    read_field(in, "end_us", d.end_us);
    read_field(in, "left_for_the_real_root", d.left_for_the_real_root);
    if (auto all = in.find("all_loaded_us"); all != in.end())
        d.all_loaded_us = all->get<long long>();
    read_field(in, "finished_us", d.finished_us);
    read_field(in, "module_index", d.module_index);
}

void from_json(const nlohmann::json& in, InitrdReport& r) {
    read_field(in, "userspace_start_us", r.userspace_start_us);
    read_field(in, "devices", r.devices);
    if (auto root = in.find("root"); root != in.end()) {
        read_field(*root, "device", r.root.device);
        read_field(*root, "found_us", r.root.found_us);
        read_field(*root, "ready_us", r.root.ready_us);
        read_field(*root, "mounted_us", r.root.mounted_us);
        if (auto fsck = root->find("fsck"); fsck != root->end()) {
            read_field(*fsck, "result", r.root.fsck.result);
            read_field(*fsck, "why", r.root.fsck.why);
            read_field(*fsck, "tool", r.root.fsck.tool);
            read_field(*fsck, "status", r.root.fsck.status);
            read_field(*fsck, "start_us", r.root.fsck.start_us);
            read_field(*fsck, "end_us", r.root.fsck.end_us);
        }
    }
    read_field(in, "switch_root_us", r.switch_root_us);
    read_field(in, "next_init", r.next_init);
}

Result<InitrdReport> parse_initrd_report(const nlohmann::json& json) {
    if (!json.is_object())
        return Error{"the initramfs report is not a JSON object", 0};
    try {
        return json.get<InitrdReport>();
    } catch (const std::exception& e) {
        return Error{std::string("the initramfs report is damaged: ") + e.what(), 0};
    }
}

Result<InitrdReport> parse_initrd_report(const std::string& text) {
    return parse_initrd_report(nlohmann::json::parse(text, nullptr, false));
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
