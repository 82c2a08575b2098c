// load_cache: every way a cache file can be bad, told apart and explained.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "base/text.h"
#include "base/unique_fd.h"
#include "device-cache/cache_store.h"
#include "device-cache/hostile_db.h"
#include "device-cache/module_path.h"
#include "device-cache/root_stack.h"
#include "device-cache/sqlite_db.h"

namespace fastinit {
namespace {

constexpr int kBusyTimeoutMs = 100;
constexpr std::string_view kMagic("SQLite format 3\0", 16);
constexpr size_t kHeaderSize = 100;
// No text or blob in a real cache comes near this; the fingerprint's device
// list, the longest, is a few kilobytes.
constexpr int kMaxValueBytes = 1 << 20;
// A real cache is read in well under a million SQLite instructions and a few
// milliseconds; these allow for slow emulated CPUs and stop what only a
// crafted file would make the reader do.
constexpr uint64_t kMaxSteps = 200'000'000;
constexpr std::chrono::milliseconds kMaxReadTime{2000};

CacheLoad bad(CacheState state, std::string reason) {
    return {state, std::move(reason), std::nullopt};
}

uint32_t big_endian(const unsigned char* bytes, size_t size) {
    uint32_t value = 0;
    for (size_t i = 0; i < size; ++i)
        value = (value << 8) | bytes[i];
    return value;
}

// Looks at the header before SQLite does, so that the common kinds of
// damage get a precise name: SQLite itself reports most of them as
// "malformed". `header` is the file's first (up to 100) bytes.
std::optional<CacheLoad> check_header(std::string_view header, uint64_t size,
                                      const std::string& path) {
    std::string_view start = header.substr(0, kMagic.size());
    if (!kMagic.starts_with(start))
        return bad(CacheState::garbage, path + " is not an SQLite database (bad magic bytes)");
    if (header.size() < kHeaderSize)
        return bad(CacheState::truncated, "the device cache " + path + " is truncated (" +
                                              std::to_string(size) + " bytes, not even a header)");
    auto bytes = reinterpret_cast<const unsigned char*>(header.data());
    uint32_t page_size = big_endian(&bytes[16], 2);
    if (page_size == 1)
        page_size = 65536;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0)
        return bad(CacheState::corrupt,
                   "the device cache " + path + " is corrupt (impossible page size)");
    // The header's page count is trustworthy when the change counter and the
    // "version valid for" field agree (SQLite 3.7.0 and later write both).
    uint32_t pages = big_endian(&bytes[28], 4);
    bool count_valid = pages != 0 && big_endian(&bytes[24], 4) == big_endian(&bytes[92], 4);
    uint64_t expected = static_cast<uint64_t>(pages) * page_size;
    if (count_valid && size < expected)
        return bad(CacheState::truncated, "the device cache " + path + " is truncated (" +
                                              std::to_string(size) + " of " +
                                              std::to_string(expected) + " bytes)");
    if (size % page_size != 0)
        return bad(CacheState::truncated, "the device cache " + path + " is truncated (" +
                                              std::to_string(size) +
                                              " bytes is not a whole number of pages)");
    return std::nullopt;
}

std::optional<CacheLoad> too_large(uint64_t size, const std::string& path) {
    if (size <= kMaxCacheFileSize)
        return std::nullopt;
    return bad(CacheState::corrupt,
               "the device cache " + path + " is damaged (" + std::to_string(size) +
                   " bytes, more than a cache ever is: " + std::to_string(kMaxCacheFileSize) + ")");
}

std::optional<CacheLoad> check_file(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        if (errno == ENOENT)
            return bad(CacheState::missing, "there is no device cache at " + path);
        return bad(CacheState::unreadable,
                   "cannot read the device cache " + path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(info.st_mode))
        return bad(CacheState::garbage, path + " is not a regular file");
    const uint64_t size = static_cast<uint64_t>(info.st_size);
    if (size == 0)
        return bad(CacheState::empty, "the device cache " + path + " is empty (0 bytes)");
    if (auto problem = too_large(size, path))
        return problem;

    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return bad(CacheState::unreadable,
                   "cannot read the device cache " + path + ": " + std::strerror(errno));
    std::array<char, kHeaderSize> header{};
    ssize_t n = ::pread(fd.get(), header.data(), header.size(), 0);
    if (n < 0)
        return bad(CacheState::unreadable,
                   "cannot read the device cache " + path + ": " + std::strerror(errno));
    return check_header(std::string_view(header.data(), static_cast<size_t>(n)), size, path);
}

CacheLoad sqlite_failure(int rc, sqlite3* db, const std::string& path) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return bad(CacheState::locked, "the device cache " + path +
                                               " is locked by another writer (gave up after " +
                                               std::to_string(kBusyTimeoutMs) + " ms)");
        case SQLITE_CORRUPT:
        case SQLITE_TOOBIG:
            return bad(CacheState::corrupt,
                       "the device cache " + path + " is corrupt (" + detail + ")");
        case SQLITE_NOTADB:
            return bad(CacheState::garbage, path + " is not an SQLite database (" + detail + ")");
        case SQLITE_ERROR:
            // A statement that cannot even be prepared: a table or column
            // this schema version should have is not there.
            return bad(CacheState::wrong_schema,
                       path + " is not a fastinit device cache (" + detail + ")");
        default:
            return bad(CacheState::unreadable,
                       "cannot read the device cache " + path + " (" + detail + ")");
    }
}

using RowHandler = std::function<void(const Statement&)>;

int for_each_row(sqlite3* db, const char* sql, const RowHandler& handle) {
    Statement statement;
    if (int rc = statement.prepare(db, sql); rc != SQLITE_OK)
        return rc;
    int rc;
    while ((rc = statement.step()) == SQLITE_ROW)
        handle(statement);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t begin = 0;
    while (begin < text.size()) {
        size_t end = text.find('\n', begin);
        if (end == std::string::npos)
            end = text.size();
        lines.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return lines;
}

// The devices and what their modaliases matched: for validation and display.
int read_devices_and_aliases(sqlite3* db, DeviceCache& cache) {
    int rc = for_each_row(db,
                          "SELECT syspath, subsystem, modalias, removable, created_by_module "
                          "FROM devices ORDER BY syspath",
                          [&](const Statement& row) {
                              cache.devices.push_back({row.text(0), row.text(1), row.text(2),
                                                       row.integer(3) != 0, row.integer(4) != 0});
                          });
    if (rc != SQLITE_OK)
        return rc;

    rc = for_each_row(
        db, "SELECT modalias, module, loadable FROM aliases ORDER BY position",
        [&](const Statement& row) {
            std::string modalias = row.text(0);
            if (cache.aliases.empty() || cache.aliases.back().modalias != modalias)
                cache.aliases.push_back({modalias, {}, {}});
            std::string module = row.text(1);
            if (module.empty())
                return;
            auto& match = cache.aliases.back();
            (row.integer(2) ? match.modules : match.not_needed).push_back(std::move(module));
        });
    return rc;
}

// Reads every table of schema `version` into `cache`; SQLITE_OK or the first
// failure.
int read_tables(sqlite3* db, int64_t version, CacheDetail detail, DeviceCache& cache,
                std::string& missing) {
    std::map<std::string, std::string> meta, parts;
    int rc = for_each_row(db, "SELECT key, value FROM meta",
                          [&](const Statement& row) { meta[row.text(0)] = row.text(1); });
    if (rc != SQLITE_OK)
        return rc;
    cache.modules_dir = meta["modules_dir"];
    cache.written_at = std::atoll(meta["written_at"].c_str());
    cache.root.source = meta["root_source"];
    cache.root.fstype = meta["root_fstype"];
    cache.root.device = meta["root_device"];
    // Since version 3; an older cache's root has no layers (the next boot
    // with a stacked root records them).
    cache.root.layers = parse_root_layers(meta["root_layers"]);

    rc = for_each_row(db, "SELECT part, value FROM fingerprint",
                      [&](const Statement& row) { parts[row.text(0)] = row.text(1); });
    if (rc != SQLITE_OK)
        return rc;
    for (const char* required : {"kernel", "module_index", "devices"})
        if (!parts.contains(required))
            missing = std::string("fingerprint part ") + required;
    cache.fingerprint.kernel_release = parts["kernel"];
    cache.fingerprint.module_index = parts["module_index"];
    cache.fingerprint.devices = split_lines(parts["devices"]);
    for (const auto& [part, value] : parts)
        if (part.starts_with("dmi."))
            cache.fingerprint.dmi[part.substr(4)] = value;

    if (detail == CacheDetail::everything) {
        rc = read_devices_and_aliases(db, cache);
        if (rc != SQLITE_OK)
            return rc;
    }

    rc = for_each_row(db,
                      "SELECT name, path, options, matched_by_alias, status, errno, reason, "
                      "start_us, load_us, round FROM modules ORDER BY position",
                      [&](const Statement& row) {
                          CachedModule module;
                          module.spec.name = row.text(0);
                          module.spec.path = row.text(1);
                          module.spec.options = row.text(2);
                          module.spec.matched_by_alias = row.integer(3) != 0;
                          auto status = parse_load_status(row.text(4));
                          if (!status)
                              missing = "a known status for module " + module.spec.name;
                          module.status = status.value_or(LoadStatus::not_loaded);
                          module.errno_value = static_cast<int>(row.integer(5));
                          module.reason = row.text(6);
                          module.start_us = row.integer(7);
                          module.load_us = row.integer(8);
                          module.round = static_cast<int>(row.integer(9));
                          cache.modules.push_back(std::move(module));
                      });
    if (rc != SQLITE_OK)
        return rc;

    std::map<std::string, size_t> index;
    for (size_t i = 0; i < cache.modules.size(); ++i)
        index[cache.modules[i].spec.name] = i;
    rc = for_each_row(db, "SELECT module, prerequisite, kind FROM prerequisites ORDER BY position",
                      [&](const Statement& row) {
                          auto found = index.find(row.text(0));
                          auto kind = parse_prerequisite_kind(row.text(2));
                          if (found == index.end() || !kind) {
                              missing = "a consistent prerequisite for " + row.text(0);
                              return;
                          }
                          cache.modules[found->second].spec.after.push_back({row.text(1), *kind});
                      });
    if (rc != SQLITE_OK)
        return rc;

    if (detail == CacheDetail::everything) {
        rc = for_each_row(db,
                          "SELECT round, phase, duration_us FROM probe_timings ORDER BY position",
                          [&](const Statement& row) {
                              cache.timings.push_back(
                                  {static_cast<int>(row.integer(0)), row.text(1), row.integer(2)});
                          });
        if (rc != SQLITE_OK)
            return rc;
    }
    if (version < 2)
        return SQLITE_OK;  // version 1 has no root record: the next boot makes one

    return for_each_row(db, "SELECT module FROM root_modules ORDER BY position",
                        [&](const Statement& row) { cache.root.modules.push_back(row.text(0)); });
}

// Why the schema is not what the writer makes, or "": every table this
// version has must be a real table, and the file must carry no view and no
// trigger (the writer makes none; this connection would not run them, but
// one in place of a table would only fail later, less clearly).
std::string schema_problem(sqlite3* db, int64_t version, int& rc) {
    // What SQLite made of the schema, not what its rows claim: the type
    // column of sqlite_schema is the file's to write, table_list is what
    // the statements in its sql column really created.
    std::map<std::string, std::string> kinds;
    std::string problem;
    rc = for_each_row(db, "PRAGMA main.table_list", [&](const Statement& row) {
        std::string name = row.text(1), kind = row.text(2);
        // A virtual table's module runs its own code on every read (fts3
        // and rtree have had bugs that crafted files reach).
        if (problem.empty() && (kind == "view" || kind == "virtual" || kind == "shadow"))
            problem = "it has a " + (kind == "view" ? kind : kind + " table") + " \"" +
                      to_valid_utf8(name) + "\", which no fastinit writes";
        kinds[name] = kind;
    });
    if (rc != SQLITE_OK || !problem.empty())
        return problem;
    // Triggers do not run here (the connection disables them), but no
    // fastinit writes one either.
    rc = for_each_row(db, "SELECT name FROM sqlite_schema WHERE type = 'trigger'",
                      [&](const Statement& row) {
                          if (problem.empty())
                              problem = "it has a trigger \"" + to_valid_utf8(row.text(0)) +
                                        "\", which no fastinit writes";
                      });
    if (rc != SQLITE_OK || !problem.empty())
        return problem;
    std::vector<std::string> tables = {"meta",    "fingerprint",   "devices",      "aliases",
                                       "modules", "prerequisites", "probe_timings"};
    if (version >= 2)
        tables.push_back("root_modules");
    for (const std::string& table : tables) {
        auto found = kinds.find(table);
        if (found == kinds.end())
            return "it has no table " + table;
        if (found->second != "table")
            return table + " is a " + to_valid_utf8(found->second) + ", not a table";
    }
    return "";
}

// What makes a read cache unusable although SQLite read it fine: a module
// path that would lead out of the module tree.
std::string content_problem(const DeviceCache& cache) {
    // An empty path is no escape: the module counts as missing, and the
    // boot probes (missing_module_files).
    for (const CachedModule& module : cache.modules)
        if (std::string problem = module_path_problem(module.spec.path);
            !module.spec.path.empty() && !problem.empty())
            return "the path \"" + to_valid_utf8(module.spec.path) + "\" of module " +
                   to_valid_utf8(module.spec.name) + " leaves the module tree: " + problem;
    return "";
}

// Reads the cache on `db`, opened and hardened; `path` names it in reasons.
CacheLoad read_cache(sqlite3* db, const std::string& path, const std::string& kernel_release,
                     CacheDetail detail) {
    QueryBudget budget(db, kMaxSteps, kMaxReadTime);
    auto failure = [&](int rc) {
        if (budget.exceeded())
            return bad(
                CacheState::corrupt,
                "the device cache " + path + " is damaged (reading it took " + budget.why() + ")");
        return sqlite_failure(rc, db, path);
    };
    int64_t version = -1;
    int rc = for_each_row(db, "PRAGMA user_version",
                          [&](const Statement& row) { version = row.integer(0); });
    if (rc != SQLITE_OK)
        return failure(rc);
    if (version == 0)
        return bad(CacheState::wrong_schema,
                   path + " is not a fastinit device cache (it has no schema version)");
    if (version < kOldestReadableCacheSchema || version > kCacheSchemaVersion)
        return bad(CacheState::wrong_schema, "the device cache " + path + " has schema version " +
                                                 std::to_string(version) +
                                                 ", this fastinit reads versions " +
                                                 std::to_string(kOldestReadableCacheSchema) +
                                                 " to " + std::to_string(kCacheSchemaVersion));

    // One read transaction, so all tables come from the same snapshot.
    if (rc = exec_sql(db, "BEGIN"); rc != SQLITE_OK)
        return failure(rc);
    std::string problem = schema_problem(db, version, rc);
    if (rc != SQLITE_OK)
        return failure(rc);
    if (!problem.empty())
        return bad(CacheState::wrong_schema,
                   path + " is not a fastinit device cache (" + problem + ")");
    DeviceCache cache;
    std::string missing;
    rc = read_tables(db, version, detail, cache, missing);
    if (rc != SQLITE_OK)
        return failure(rc);
    exec_sql(db, "COMMIT");
    if (!missing.empty())
        return bad(CacheState::wrong_schema,
                   "the device cache " + path + " is incomplete (it lacks " + missing + ")");
    if (problem = content_problem(cache); !problem.empty())
        return bad(CacheState::corrupt,
                   "the device cache " + path + " is damaged (" + problem + ")");

    if (cache.fingerprint.kernel_release != kernel_release) {
        std::string reason = "the device cache " + path + " was written for kernel " +
                             to_valid_utf8(cache.fingerprint.kernel_release) + ", not " +
                             kernel_release;
        return {CacheState::wrong_kernel, std::move(reason), std::move(cache)};
    }
    return {CacheState::valid, "", std::move(cache)};
}

std::string parent_dir(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string_view cache_state_name(CacheState state) {
    switch (state) {
        case CacheState::valid:
            return "valid";
        case CacheState::missing:
            return "missing";
        case CacheState::empty:
            return "empty";
        case CacheState::truncated:
            return "truncated";
        case CacheState::garbage:
            return "garbage";
        case CacheState::corrupt:
            return "corrupt";
        case CacheState::locked:
            return "locked";
        case CacheState::wrong_schema:
            return "wrong-schema";
        case CacheState::wrong_kernel:
            return "wrong-kernel";
        case CacheState::unreadable:
            return "unreadable";
    }
    return "?";
}

CacheLoad load_cache(const std::string& path, const std::string& kernel_release,
                     CacheDetail detail) {
    if (auto problem = check_file(path))
        return std::move(*problem);

    // On a read-only root nobody can be writing the file, and SQLite could
    // not create its lock or journal files anyway: open it immutable.
    bool writable = ::access(parent_dir(path).c_str(), W_OK) == 0;
    std::string name = writable ? path : sqlite_file_uri(path) + "?immutable=1";
    int flags = SQLITE_OPEN_READONLY | (writable ? 0 : SQLITE_OPEN_URI);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
    SqliteDb db(raw);
    if (rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), path);
    if (rc = harden_connection(db.get(), kMaxValueBytes); rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), path);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    return read_cache(db.get(), path, kernel_release, detail);
}

CacheLoad load_cache_image(std::string_view image, const std::string& name,
                           const std::string& kernel_release, CacheDetail detail) {
    if (image.empty())
        return bad(CacheState::empty, "the device cache " + name + " is empty (0 bytes)");
    if (auto problem = too_large(image.size(), name))
        return std::move(*problem);
    if (auto problem = check_header(image.substr(0, kHeaderSize), image.size(), name))
        return std::move(*problem);
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE, nullptr);
    SqliteDb db(raw);
    if (rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), name);
    if (rc = harden_connection(db.get(), kMaxValueBytes); rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), name);
    // Read-only: SQLite reads the caller's bytes in place and never writes
    // or frees them.
    auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(image.data()));
    auto size = static_cast<sqlite3_int64>(image.size());
    rc = sqlite3_deserialize(db.get(), "main", bytes, size, size, SQLITE_DESERIALIZE_READONLY);
    if (rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), name);
    return read_cache(db.get(), name, kernel_release, detail);
}

}  // namespace fastinit
