// Reading an SQLite file that anyone could have written.
//
// The device cache is read by stage 1 as PID 1, on every boot. SQLite runs
// what a database file carries in its schema: views (one can recurse for
// ever), triggers, generated columns and CHECKs calling functions. A file
// crafted to hang or exhaust the reader must only ever mean "the cache is
// damaged, probe the devices": so the connection refuses views and
// triggers, trusts no function named in the schema, caps the size of any
// one value, and every statement runs under a work and time budget.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace fastinit {

// Locks `db` down for reading an untrusted file: defensive mode, no views,
// no triggers, an untrusted schema, values of at most `max_value_bytes`.
// SQLITE_OK or the failure code.
int harden_connection(sqlite3* db, int max_value_bytes);

// The work budget of one connection: while it lives, every statement on
// `db` is interrupted (its step returns SQLITE_INTERRUPT) once the
// statements together have run more than `max_steps` virtual machine
// instructions, or after `max_time`. Reading a real cache takes a small
// fraction of either.
class QueryBudget {
  public:
    QueryBudget(sqlite3* db, uint64_t max_steps, std::chrono::milliseconds max_time);
    ~QueryBudget();
    QueryBudget(const QueryBudget&) = delete;
    QueryBudget& operator=(const QueryBudget&) = delete;

    // True once a statement was stopped; then why(): "more than N steps" or
    // "more than N ms".
    bool exceeded() const { return !m_why.empty(); }
    const std::string& why() const { return m_why; }

  private:
    static int check(void* self);

    sqlite3* m_db;
    uint64_t m_max_checks;
    uint64_t m_checks = 0;
    std::chrono::steady_clock::time_point m_deadline;
    std::chrono::milliseconds m_max_time;
    std::string m_why;
};

}  // namespace fastinit
