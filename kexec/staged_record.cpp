#include "kexec/staged_record.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "base/text.h"

namespace fastinit {
namespace {

using nlohmann::json;

// Bumped when the meaning of a field changes: an older record then reads as
// garbage, which only costs one reload.
constexpr int kRecordVersion = 1;

Result<FileIdentity> identify(const std::filesystem::path& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        return system_error("cannot stat " + path.string());
    FileIdentity id;
    id.path = path.string();
    id.device = static_cast<uint64_t>(st.st_dev);
    id.inode = static_cast<uint64_t>(st.st_ino);
    id.size = static_cast<int64_t>(st.st_size);
    id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    return id;
}

// FNV-1a: a few lines, stable across builds, and enough to notice a changed
// cache (this guards against staleness, not against an adversary: whoever
// can rewrite the cache can load a kernel anyway).
std::string fingerprint(std::string_view bytes) {
    if (bytes.empty())
        return "none";
    uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return std::string("fnv1a64:") + hex + ":" + std::to_string(bytes.size());
}

json to_json(const FileIdentity& id) {
    return {{"path", id.path},
            {"device", id.device},
            {"inode", id.inode},
            {"size", id.size},
            {"mtime_ns", id.mtime_ns}};
}

FileIdentity file_from_json(const json& j) {
    FileIdentity id;
    id.path = j.at("path").get<std::string>();
    id.device = j.at("device").get<uint64_t>();
    id.inode = j.at("inode").get<uint64_t>();
    id.size = j.at("size").get<int64_t>();
    id.mtime_ns = j.at("mtime_ns").get<int64_t>();
    return id;
}

// Why `staged` is not `wanted`, in a few words; nullopt when it is.
std::optional<std::string> difference(const StagedRecord& staged, const StagedRecord& wanted) {
    if (staged.kernel != wanted.kernel)
        return "the kernel changed";
    if (staged.initrds != wanted.initrds)
        return "the initrd changed";
    if (staged.cmdline != wanted.cmdline)
        return "the command line changed";
    if (staged.device_cache != wanted.device_cache)
        return "the device cache changed";
    return std::nullopt;
}

}  // namespace

Result<StagedRecord> make_staged_record(const KernelChoice& choice, const std::string& cmdline,
                                        std::string_view appended) {
    StagedRecord record;
    auto kernel = identify(choice.kernel);
    if (!kernel)
        return kernel.error();
    record.kernel = std::move(*kernel);
    for (const auto& path : choice.initrds) {
        auto initrd = identify(path);
        if (!initrd)
            return initrd.error();
        record.initrds.push_back(std::move(*initrd));
    }
    record.cmdline = cmdline;
    record.device_cache = fingerprint(appended);
    return record;
}

Result<void> write_staged_record(const std::string& path, const StagedRecord& record) {
    json initrds = json::array();
    for (const auto& initrd : record.initrds)
        initrds.push_back(to_json(initrd));
    json j = {{"version", kRecordVersion},
              {"kernel", to_json(record.kernel)},
              {"initrds", std::move(initrds)},
              {"cmdline", record.cmdline},
              {"device_cache", record.device_cache}};
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec)
        return Error{"cannot create the directory of " + path + ": " + ec.message(), ec.value()};
    // dump() throws only on invalid UTF-8; replace it instead (a command line
    // is bytes), so that nothing escapes this module.
    return write_file_atomically(path,
                                 j.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

Result<StagedRecord> read_staged_record(const std::string& path) {
    auto text = read_file(path);
    if (!text)
        return text.error();
    json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return Error{path + ": not JSON", EINVAL};
    try {
        if (j.at("version").get<int>() != kRecordVersion)
            return Error{path + ": another version of the record", EINVAL};
        StagedRecord record;
        record.kernel = file_from_json(j.at("kernel"));
        for (const auto& initrd : j.at("initrds"))
            record.initrds.push_back(file_from_json(initrd));
        record.cmdline = j.at("cmdline").get<std::string>();
        record.device_cache = j.at("device_cache").get<std::string>();
        return record;
    } catch (const json::exception& e) {
        return Error{path + ": not a staged-kernel record (" + e.what() + ")", EINVAL};
    }
}

Result<void> remove_staged_record(const std::string& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return system_error("cannot remove " + path);
    return ok_result();
}

StagedVerdict judge_staged(const Result<bool>& loaded, const Result<StagedRecord>& staged,
                           const Result<StagedRecord>& wanted) {
    if (!staged && staged.error().errno_value == ENOENT)
        return {false, false, "no kernel was staged by `fastinit kexec load`"};
    if (!staged)
        return {false, true,
                "the record of the staged kernel is unreadable: " + staged.error().message};
    if (!loaded)
        return {false, true,
                "whether a kernel is staged cannot be told: " + loaded.error().message};
    if (!*loaded)
        return {false, true, "no kernel is staged any more"};
    if (!wanted)
        return {false, true, wanted.error().message};
    if (auto why = difference(*staged, *wanted))
        return {false, true, *why};
    return {true, true, ""};
}

}  // namespace fastinit
