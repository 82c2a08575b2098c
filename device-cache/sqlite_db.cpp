#include "device-cache/sqlite_db.h"

#include <cstdio>

namespace fastinit {

int Statement::prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    m_statement.reset(raw);
    return rc;
}

int Statement::bind(int index, std::string_view text) {
    return sqlite3_bind_text(m_statement.get(), index, text.data(), static_cast<int>(text.size()),
                             SQLITE_TRANSIENT);
}

int Statement::bind(int index, int64_t number) {
    return sqlite3_bind_int64(m_statement.get(), index, number);
}

int Statement::step() {
    return sqlite3_step(m_statement.get());
}

int Statement::execute() {
    int rc;
    while ((rc = step()) == SQLITE_ROW) {
    }
    sqlite3_reset(m_statement.get());
    sqlite3_clear_bindings(m_statement.get());
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

std::string Statement::text(int column) const {
    const unsigned char* value = sqlite3_column_text(m_statement.get(), column);
    if (!value)
        return "";
    return std::string(reinterpret_cast<const char*>(value),
                       static_cast<size_t>(sqlite3_column_bytes(m_statement.get(), column)));
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_statement.get(), column);
}

int exec_sql(sqlite3* db, const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
}

std::string sqlite_file_uri(const std::string& path) {
    std::string uri = "file:";
    for (unsigned char c : path) {
        if (c == '%' || c == '?' || c == '#' || c < 0x20 || c >= 0x7f) {
            char escaped[4];
            std::snprintf(escaped, sizeof escaped, "%%%02X", c);
            uri += escaped;
        } else {
            uri += static_cast<char>(c);
        }
    }
    return uri;
}

}  // namespace fastinit
