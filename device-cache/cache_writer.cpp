// save_cache and remove_cache: the cache is only ever replaced whole.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/text.h"
#include "base/unique_fd.h"
#include "device-cache/cache_schema.h"
#include "device-cache/cache_store.h"
#include "device-cache/root_stack.h"
#include "device-cache/sqlite_db.h"

namespace fastinit {
namespace {

std::string parent_dir(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// Collects the first SQLite failure while the tables are filled.
class Writer {
  public:
    explicit Writer(sqlite3* db) : m_db(db) {}

    bool failed() const { return m_rc != SQLITE_OK; }
    Error error(const std::string& path) const {
        return Error{"cannot write the device cache " + path + " (" + m_what + ": " +
                         sqlite3_errstr(m_rc) + ")",
                     0};
    }

    void exec(const char* sql, const char* what) {
        if (!failed())
            check(exec_sql(m_db, sql), what);
    }

    // Prepares an INSERT for insert() to run once per row.
    Statement prepare(const char* sql, const char* what) {
        Statement statement;
        if (!failed())
            check(statement.prepare(m_db, sql), what);
        return statement;
    }

    template <typename... Values>
    void insert(Statement& statement, const char* what, const Values&... values) {
        if (failed())
            return;
        int index = 0;
        (bind_one(statement, ++index, values), ...);
        check(statement.execute(), what);
    }

  private:
    void bind_one(Statement& statement, int index, std::string_view text) {
        check(statement.bind(index, text), "bind");
    }
    void bind_one(Statement& statement, int index, const std::string& text) {
        check(statement.bind(index, std::string_view(text)), "bind");
    }
    void bind_one(Statement& statement, int index, const char* text) {
        check(statement.bind(index, std::string_view(text)), "bind");
    }
    void bind_one(Statement& statement, int index, int64_t number) {
        check(statement.bind(index, number), "bind");
    }
    void bind_one(Statement& statement, int index, int number) {
        check(statement.bind(index, static_cast<int64_t>(number)), "bind");
    }
    void bind_one(Statement& statement, int index, bool flag) {
        check(statement.bind(index, static_cast<int64_t>(flag)), "bind");
    }
    void bind_one(Statement& statement, int index, size_t number) {
        check(statement.bind(index, static_cast<int64_t>(number)), "bind");
    }
    void check(int rc, const char* what) {
        if (rc != SQLITE_OK && m_rc == SQLITE_OK) {
            m_rc = rc;
            m_what = what;
        }
    }

    sqlite3* m_db;
    int m_rc = SQLITE_OK;
    std::string m_what;
};

void write_tables(Writer& w, const DeviceCache& cache) {
    // Nothing else sees this file until it is renamed, and a crash before
    // that only leaves a stale temporary: no journal, one fsync at the end.
    w.exec("PRAGMA journal_mode = OFF", "journal mode");
    w.exec("PRAGMA synchronous = OFF", "synchronous");
    w.exec("BEGIN", "begin");
    w.exec(kCacheSchema, "schema");

    Statement meta = w.prepare("INSERT INTO meta VALUES (?, ?)", "meta");
    w.insert(meta, "meta", "generator", "fastinit");
    w.insert(meta, "meta", "modules_dir", cache.modules_dir);
    w.insert(meta, "meta", "written_at", std::to_string(cache.written_at));
    w.insert(meta, "meta", "root_source", cache.root.source);
    w.insert(meta, "meta", "root_fstype", cache.root.fstype);
    w.insert(meta, "meta", "root_device", cache.root.device);
    w.insert(meta, "meta", "root_layers", format_root_layers(cache.root.layers));

    const Fingerprint& fingerprint = cache.fingerprint;
    Statement part = w.prepare("INSERT INTO fingerprint VALUES (?, ?)", "fingerprint");
    w.insert(part, "fingerprint", "kernel", fingerprint.kernel_release);
    w.insert(part, "fingerprint", "module_index", fingerprint.module_index);
    w.insert(part, "fingerprint", "devices", join(fingerprint.devices, "\n"));
    for (const auto& [key, value] : fingerprint.dmi)
        w.insert(part, "fingerprint", "dmi." + key, value);

    Statement device = w.prepare("INSERT INTO devices VALUES (?, ?, ?, ?, ?)", "devices");
    for (const DeviceRecord& d : cache.devices)
        w.insert(device, "devices", d.syspath, d.subsystem, d.modalias, d.removable,
                 d.created_by_module);

    Statement alias =
        w.prepare("INSERT INTO aliases (modalias, module, loadable) VALUES (?, ?, ?)", "aliases");
    Statement bare_alias = w.prepare(
        "INSERT INTO aliases (modalias, module, loadable) VALUES (?, NULL, 0)", "aliases");
    for (const AliasMatch& match : cache.aliases) {
        if (match.modules.empty() && match.not_needed.empty())
            w.insert(bare_alias, "aliases", match.modalias);
        for (const std::string& module : match.modules)
            w.insert(alias, "aliases", match.modalias, module, true);
        for (const std::string& module : match.not_needed)
            w.insert(alias, "aliases", match.modalias, module, false);
    }

    Statement module = w.prepare(
        "INSERT INTO modules (name, path, options, matched_by_alias, status, errno, reason, "
        "start_us, load_us, round) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "modules");
    Statement prerequisite = w.prepare(
        "INSERT INTO prerequisites (module, prerequisite, kind) VALUES (?, ?, ?)", "prerequisites");
    for (const CachedModule& m : cache.modules) {
        w.insert(module, "modules", m.spec.name, m.spec.path, m.spec.options,
                 m.spec.matched_by_alias, load_status_name(m.status), m.errno_value, m.reason,
                 m.start_us, m.load_us, m.round);
        for (const Prerequisite& p : m.spec.after)
            w.insert(prerequisite, "prerequisites", m.spec.name, p.module,
                     prerequisite_kind_name(p.kind));
    }

    Statement timing = w.prepare(
        "INSERT INTO probe_timings (round, phase, duration_us) VALUES (?, ?, ?)", "timings");
    for (const PhaseTiming& t : cache.timings)
        w.insert(timing, "timings", t.round, t.phase, t.duration_us);

    Statement root = w.prepare("INSERT INTO root_modules (module) VALUES (?)", "root modules");
    for (const std::string& name : cache.root.modules)
        w.insert(root, "root modules", name);

    w.exec(("PRAGMA user_version = " + std::to_string(kCacheSchemaVersion)).c_str(),
           "schema version");
    w.exec("COMMIT", "commit");
}

Result<void> write_database(const std::string& temp, const std::string& path,
                            const DeviceCache& cache) {
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(temp.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr);
    SqliteDb db(raw);
    if (rc != SQLITE_OK)
        return Error{"cannot write the device cache " + path + " (opening " + temp + ": " +
                         sqlite3_errstr(rc) + ")",
                     0};
    {
        Writer writer(db.get());
        write_tables(writer, cache);
        if (writer.failed())
            return writer.error(path);
    }
    // Statements are finalised by now, so the close really closes.
    rc = sqlite3_close(db.release());
    if (rc != SQLITE_OK)
        return Error{
            "cannot write the device cache " + path + " (closing: " + sqlite3_errstr(rc) + ")", 0};
    return ok_result();
}

// Opens and locks the temporary file. Two writers at once (a boot heal and
// an admin's probe) must not interleave: the second gives up.
Result<UniqueFd> claim_temp(const std::string& temp, const std::string& path) {
    UniqueFd fd(::open(temp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644));
    if (!fd)
        return system_error("cannot write the device cache " + path + " (creating " + temp + ")");
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return Error{"cannot write the device cache " + path +
                             ": another process is writing it right now",
                         EWOULDBLOCK};
        return system_error("cannot lock " + temp);
    }
    // The file we locked may have just been renamed into place by the
    // writer we waited for; then it is the live cache, not ours to truncate.
    struct stat locked {
    }, named{};
    if (::fstat(fd.get(), &locked) != 0 || ::stat(temp.c_str(), &named) != 0 ||
        locked.st_ino != named.st_ino || locked.st_dev != named.st_dev)
        return Error{"cannot write the device cache " + path +
                         ": another process was writing it at the same time",
                     EAGAIN};
    if (::ftruncate(fd.get(), 0) != 0)
        return system_error("cannot truncate " + temp);
    return fd;
}

}  // namespace

std::string cache_temp_path(const std::string& path) {
    return path + ".new";
}

Result<void> save_cache(const std::string& path, const DeviceCache& cache) {
    std::string dir = parent_dir(path);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Error{"cannot create " + dir + ": " + ec.message(), ec.value()};

    std::string temp = cache_temp_path(path);
    auto claimed = claim_temp(temp, path);
    if (!claimed)
        return claimed.error();
    UniqueFd fd = std::move(*claimed);

    auto discard = [&](Error error) -> Result<void> {
        ::unlink(temp.c_str());
        return error;
    };
    if (auto written = write_database(temp, path, cache); !written)
        return discard(written.error());
    if (::fsync(fd.get()) != 0)
        return discard(system_error("cannot sync " + temp));
    if (::rename(temp.c_str(), path.c_str()) != 0)
        return discard(system_error("cannot rename " + temp + " to " + path));
    // The rename itself must reach the disk too.
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd)
        ::fsync(dir_fd.get());
    return ok_result();
}

Result<void> remove_cache(const std::string& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return system_error("cannot remove the device cache " + path);
    return ok_result();
}

}  // namespace fastinit
