#include "kdump/dump_record.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/text.h"

namespace fastinit {
namespace {

// A record is a few hundred bytes; anything much bigger is not one.
constexpr size_t kMaxRecordSize = 64 * 1024;

bool is_dump_directory_name(const std::string& name) {
    // YYYYmmdd-HHMMSS, perhaps with a -N suffix when two captures shared a second.
    return name.size() >= 15 && name[8] == '-' &&
           std::all_of(name.begin(), name.begin() + 8, [](char c) { return c >= '0' && c <= '9'; });
}

std::string format_time(long long epoch_seconds) {
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    char text[32] = "?";
    if (::gmtime_r(&t, &tm))
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    return text;
}

std::string human_bytes(uint64_t bytes) {
    char text[32];
    if (bytes >= 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
    else
        std::snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    return text;
}

}  // namespace

std::string dump_directory_name(long long epoch_seconds) {
    std::time_t t = static_cast<std::time_t>(epoch_seconds);
    std::tm tm{};
    char text[32] = "00000000-000000";
    if (::gmtime_r(&t, &tm))
        std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
    return text;
}

std::string dump_record_text(const DumpRecord& record) {
    nlohmann::json json = {
        {"captured_at", record.captured_at},
        {"kernel", to_valid_utf8(record.kernel)},
        {"method", to_valid_utf8(record.method)},
        {"vmcore", to_valid_utf8(record.vmcore)},
        {"vmcore_bytes", record.vmcore_bytes},
        {"dmesg", to_valid_utf8(record.dmesg)},
        {"seconds", record.seconds},
    };
    nlohmann::json problems = nlohmann::json::array();
    for (const std::string& p : record.problems)
        problems.push_back(to_valid_utf8(p));
    json["problems"] = problems;
    return json.dump(2) + "\n";
}

Result<DumpRecord> parse_dump_record(const std::string& text) {
    if (text.size() > kMaxRecordSize)
        return Error{"larger than 64 KiB: not a dump record", EFBIG};
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return Error{"not a JSON object", EINVAL};
    DumpRecord record;
    auto text_of = [&](const char* key, std::string& out) {
        if (auto it = json.find(key); it != json.end() && it->is_string())
            out = to_valid_utf8(it->get<std::string>());
    };
    auto captured = json.find("captured_at");
    if (captured == json.end() || !captured->is_number_integer())
        return Error{"no captured_at", EINVAL};
    record.captured_at = captured->get<long long>();
    text_of("kernel", record.kernel);
    text_of("method", record.method);
    text_of("vmcore", record.vmcore);
    text_of("dmesg", record.dmesg);
    if (auto it = json.find("vmcore_bytes"); it != json.end() && it->is_number_unsigned())
        record.vmcore_bytes = it->get<uint64_t>();
    if (auto it = json.find("seconds"); it != json.end() && it->is_number())
        record.seconds = it->get<double>();
    if (auto it = json.find("problems"); it != json.end() && it->is_array())
        for (const auto& p : *it)
            if (p.is_string() && record.problems.size() < 64)
                record.problems.push_back(to_valid_utf8(p.get<std::string>()));
    return record;
}

std::vector<SavedDump> list_dumps(const std::string& target) {
    std::vector<SavedDump> dumps;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(target, ec)) {
        std::string name = entry.path().filename().string();
        if (!is_dump_directory_name(name) || !entry.is_directory(ec))
            continue;
        SavedDump dump;
        dump.directory = entry.path().string();
        auto text = read_file_at_most(dump.directory + "/" + kDumpRecordName, kMaxRecordSize + 1);
        if (!text) {
            dump.problem = "no record: the capture did not finish";
        } else if (auto record = parse_dump_record(*text)) {
            dump.record = std::move(*record);
        } else {
            dump.problem = "unreadable record: " + record.error().message;
        }
        dumps.push_back(std::move(dump));
    }
    std::sort(dumps.begin(), dumps.end(),
              [](const SavedDump& a, const SavedDump& b) { return a.directory < b.directory; });
    return dumps;
}

std::string format_dumps(const std::vector<SavedDump>& dumps) {
    std::string out;
    for (const SavedDump& dump : dumps) {
        out += to_valid_utf8(dump.directory) + "\n";
        if (!dump.record) {
            out += "  " + dump.problem + "\n";
            continue;
        }
        const DumpRecord& r = *dump.record;
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f s", r.seconds);
        out += "  captured " + format_time(r.captured_at) + " UTC by " + r.kernel + " in " +
               seconds + "\n";
        out += "  vmcore:  " +
               (r.vmcore.empty()
                    ? std::string("not saved")
                    : r.vmcore + " (" + human_bytes(r.vmcore_bytes) + ", " + r.method + ")") +
               "\n";
        out += "  dmesg:   " + (r.dmesg.empty() ? std::string("not saved") : r.dmesg) + "\n";
        for (const std::string& p : r.problems)
            out += "  problem: " + p + "\n";
    }
    return out;
}

}  // namespace fastinit
