#include "base/stage2_report.h"

#include <exception>

#include "base/json_text.h"

namespace fastinit {

namespace {

// Module names: what is not a string is not one.
std::vector<std::string> names(const nlohmann::json& in, const char* key) {
    std::vector<std::string> out;
    if (auto list = in.find(key); list != in.end() && list->is_array())
        for (const auto& name : *list)
            if (name.is_string())
                out.push_back(name.get<std::string>());
    return out;
}

}  // namespace

void to_json(nlohmann::json& out, const Stage2Report& report) {
    out = {{"start_us", report.start_us}, {"end_us", report.end_us}};
    if (const auto& c = report.completed)
        out["completed"] = {{"loaded", c->loaded},
                            {"failed", c->failed},
                            {"ms", c->ms},
                            {"cache_rewritten", c->cache_rewritten}};
    if (const auto& p = report.probed)
        out["probed"] = {{"dir", p->dir},
                         {"loaded", p->loaded},
                         {"failed", p->failed},
                         {"ms", p->ms},
                         {"from_cache", p->from_cache},
                         {"why", p->why},
                         {"no_device", p->no_device}};
}

void from_json(const nlohmann::json& in, Stage2Report& report) {
    read_field(in, "start_us", report.start_us);
    read_field(in, "end_us", report.end_us);
    if (auto c = in.find("completed"); c != in.end() && c->is_object()) {
        Stage2Report::Completed completed;
        read_field(*c, "loaded", completed.loaded);
        read_field(*c, "failed", completed.failed);
        read_field(*c, "ms", completed.ms);
        read_field(*c, "cache_rewritten", completed.cache_rewritten);
        report.completed = completed;
    }
    if (auto p = in.find("probed"); p != in.end() && p->is_object()) {
        Stage2Report::Probed probed;
        probed.dir = p->value("dir", std::string("?"));
        probed.loaded = names(*p, "loaded");
        probed.failed = names(*p, "failed");
        read_field(*p, "ms", probed.ms);
        read_field(*p, "from_cache", probed.from_cache);
        read_field(*p, "why", probed.why);
        probed.no_device = names(*p, "no_device");
        report.probed = probed;
    }
}

std::string stage2_report_text(const Stage2Report& report) {
    auto text = json_text(report, 1);
    if (!text)
        return "{\"error\": \"the stage 2 report could not be written\"}\n";
    return *text + "\n";
}

Result<Stage2Report> parse_stage2_report(const std::string& text) {
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object())
        return Error{"the stage 2 report is not a JSON object", 0};
    try {
        return json.get<Stage2Report>();
    } catch (const std::exception& e) {
        return Error{std::string("the stage 2 report is damaged: ") + e.what(), 0};
    }
}

}  // namespace fastinit
