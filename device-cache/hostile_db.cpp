#include "device-cache/hostile_db.h"

namespace fastinit {
namespace {

// The handler runs every this many instructions: often enough to stop a
// runaway statement within microseconds, rarely enough to cost nothing.
constexpr int kInstructionsPerCheck = 1000;

}  // namespace

int harden_connection(sqlite3* db, int max_value_bytes) {
    struct Setting {
        int option;
        int value;
    };
    // DEFENSIVE refuses writes to the schema and to shadow tables; a view
    // or trigger the file carries cannot run; functions named in the schema
    // (generated columns, CHECKs, index expressions) may be innocuous ones
    // only.
    for (Setting s :
         {Setting{SQLITE_DBCONFIG_DEFENSIVE, 1}, Setting{SQLITE_DBCONFIG_ENABLE_VIEW, 0},
          Setting{SQLITE_DBCONFIG_ENABLE_TRIGGER, 0}, Setting{SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0}}) {
        int rc = sqlite3_db_config(db, s.option, s.value, nullptr);
        if (rc != SQLITE_OK)
            return rc;
    }
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, max_value_bytes);
    // cell_size_check: a damaged b-tree page is reported as corrupt when it
    // is read, not followed.
    return sqlite3_exec(db, "PRAGMA trusted_schema=OFF; PRAGMA cell_size_check=ON", nullptr,
                        nullptr, nullptr);
}

QueryBudget::QueryBudget(sqlite3* db, uint64_t max_steps, std::chrono::milliseconds max_time)
    : m_db(db),
      m_max_checks(max_steps / kInstructionsPerCheck),
      m_deadline(std::chrono::steady_clock::now() + max_time),
      m_max_time(max_time) {
    sqlite3_progress_handler(m_db, kInstructionsPerCheck, &QueryBudget::check, this);
}

QueryBudget::~QueryBudget() {
    sqlite3_progress_handler(m_db, 0, nullptr, nullptr);
}

int QueryBudget::check(void* self) {
    auto* budget = static_cast<QueryBudget*>(self);
    if (budget->exceeded())
        return 1;
    if (++budget->m_checks > budget->m_max_checks)
        budget->m_why =
            "more than " + std::to_string(budget->m_max_checks * kInstructionsPerCheck) + " steps";
    else if (std::chrono::steady_clock::now() > budget->m_deadline)
        budget->m_why = "more than " + std::to_string(budget->m_max_time.count()) + " ms";
    return budget->exceeded() ? 1 : 0;
}

}  // namespace fastinit
