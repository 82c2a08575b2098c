// Thin owning wrappers around a SQLite connection and a prepared statement.
//
// Failures are SQLite result codes (SQLITE_BUSY, SQLITE_CORRUPT, ...), not
// Errors, because the cache store classifies them; sqlite3_errmsg() on the
// connection gives the sentence.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace fastinit {

struct SqliteClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteClose>;

class Statement {
  public:
    Statement() = default;

    // Prepares `sql` on `db`; returns SQLITE_OK or the failure code.
    int prepare(sqlite3* db, std::string_view sql);

    // Parameters are numbered from 1, as in SQLite.
    int bind(int index, std::string_view text);
    int bind(int index, int64_t number);
    // SQLITE_ROW, SQLITE_DONE, or a failure code.
    int step();
    // Steps to the end and resets, for INSERTs in a loop.
    int execute();

    std::string text(int column) const;
    int64_t integer(int column) const;

  private:
    struct Finalize {
        void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
    };
    std::unique_ptr<sqlite3_stmt, Finalize> m_statement;
};

// Runs SQL that returns no rows (schema, pragmas); SQLITE_OK or the failure.
int exec_sql(sqlite3* db, const char* sql);

// "file:" URI for `path` with the characters URIs reserve escaped.
std::string sqlite_file_uri(const std::string& path);

}  // namespace fastinit
