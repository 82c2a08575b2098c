// load_cache: every way a cache file can be bad, told apart and explained.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>

#include "base/unique_fd.h"
#include "device-cache/cache_store.h"
#include "device-cache/sqlite_db.h"

namespace fastinit {
namespace {

constexpr int kBusyTimeoutMs = 100;
constexpr std::string_view kMagic("SQLite format 3\0", 16);

CacheLoad bad(CacheState state, std::string reason) {
    return {state, std::move(reason), std::nullopt};
}

uint32_t big_endian(const unsigned char* bytes, size_t size) {
    uint32_t value = 0;
    for (size_t i = 0; i < size; ++i)
        value = (value << 8) | bytes[i];
    return value;
}

// Looks at the file before SQLite does, so that the common kinds of damage
// get a precise name: SQLite itself reports most of them as "malformed".
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

    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return bad(CacheState::unreadable,
                   "cannot read the device cache " + path + ": " + std::strerror(errno));
    std::array<unsigned char, 100> header{};
    ssize_t n = ::pread(fd.get(), header.data(), header.size(), 0);
    if (n < 0)
        return bad(CacheState::unreadable,
                   "cannot read the device cache " + path + ": " + std::strerror(errno));
    std::string_view start(reinterpret_cast<const char*>(header.data()),
                           std::min<size_t>(static_cast<size_t>(n), kMagic.size()));
    if (!kMagic.starts_with(start))
        return bad(CacheState::garbage, path + " is not an SQLite database (bad magic bytes)");
    if (static_cast<size_t>(n) < header.size())
        return bad(CacheState::truncated, "the device cache " + path + " is truncated (" +
                                              std::to_string(size) + " bytes, not even a header)");

    uint32_t page_size = big_endian(&header[16], 2);
    if (page_size == 1)
        page_size = 65536;
    if (page_size < 512 || (page_size & (page_size - 1)) != 0)
        return bad(CacheState::corrupt,
                   "the device cache " + path + " is corrupt (impossible page size)");
    // The header's page count is trustworthy when the change counter and the
    // "version valid for" field agree (SQLite 3.7.0 and later write both).
    uint32_t pages = big_endian(&header[28], 4);
    bool count_valid = pages != 0 && big_endian(&header[24], 4) == big_endian(&header[92], 4);
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

CacheLoad sqlite_failure(int rc, sqlite3* db, const std::string& path) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return bad(CacheState::locked, "the device cache " + path +
                                               " is locked by another writer (gave up after " +
                                               std::to_string(kBusyTimeoutMs) + " ms)");
        case SQLITE_CORRUPT:
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
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

    int64_t version = -1;
    rc = for_each_row(db.get(), "PRAGMA user_version",
                      [&](const Statement& row) { version = row.integer(0); });
    if (rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), path);
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
    if (rc = exec_sql(db.get(), "BEGIN"); rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), path);
    DeviceCache cache;
    std::string missing;
    rc = read_tables(db.get(), version, detail, cache, missing);
    if (rc != SQLITE_OK)
        return sqlite_failure(rc, db.get(), path);
    exec_sql(db.get(), "COMMIT");
    if (!missing.empty())
        return bad(CacheState::wrong_schema,
                   "the device cache " + path + " is incomplete (it lacks " + missing + ")");

    if (cache.fingerprint.kernel_release != kernel_release) {
        std::string reason = "the device cache " + path + " was written for kernel " +
                             cache.fingerprint.kernel_release + ", not " + kernel_release;
        return {CacheState::wrong_kernel, std::move(reason), std::move(cache)};
    }
    return {CacheState::valid, "", std::move(cache)};
}

}  // namespace fastinit
