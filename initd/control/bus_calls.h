// What each method of org.fastinit1.Manager does with its argument, apart
// from sd-bus: who may call it, which unit it names, what the reply holds.
// The bus server only moves bytes between a message and these functions, so
// the fuzzer (fuzz/fuzz_bus_args.cpp) drives the same code PID 1 runs, with
// no socket. Every string in a reply is well-formed UTF-8: names, STATUS=
// text and file paths come from anyone, and one bad byte would make sd-bus
// refuse the whole reply (ListUnits would fail for everybody).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "initd/run/journal.h"
#include "initd/run/manager.h"

namespace fastinit {

inline constexpr const char* kErrorNoSuchUnit = "org.fastinit1.Error.NoSuchUnit";
inline constexpr const char* kErrorRequestFailed = "org.fastinit1.Error.RequestFailed";
inline constexpr const char* kErrorAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
inline constexpr const char* kErrorUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod";
inline constexpr const char* kErrorInvalidArgs = "org.freedesktop.DBus.Error.InvalidArgs";

// ReadLog's bounds: what a caller may ask for, and what one reply holds at
// most (the caller asks again from `next` for the rest). A client may leave
// 64 replies unread before it is dropped (backlog.h): at ~300 KiB each at
// most, that bounds what it can make PID 1 hold.
inline constexpr size_t kMaxReadLogUnits = 64;
inline constexpr size_t kMaxUnitNameLength = 255;  // a unit is named by its file
inline constexpr size_t kMaxReadLogTail = 100000;
inline constexpr size_t kMaxReadLogLines = 2000;
inline constexpr size_t kMaxReadLogBytes = 256 << 10;

struct UnitRow {
    std::string name, description, state, result, status_text;
    uint32_t main_pid = 0;
};

using PropertyValue = std::variant<std::string, uint32_t>;

struct BusReply {
    std::string error_name;  // empty: success
    std::string error_message;
    std::vector<UnitRow> units;                                     // ListUnits
    std::vector<std::pair<std::string, PropertyValue>> properties;  // GetUnit
    std::string text;                                               // BootTimeline
    JournalPage log;                                                // ReadLog
    // WaitUnit: the unit has a job still; the reply (GetUnit's) is owed
    // once Manager::job says "" (the bus server keeps the call till then).
    std::optional<UnitId> wait_for;
    // Reload: accepted; the reply (the report's text) is owed once the
    // reload has run (the bus server keeps the call till then).
    bool reload = false;
    bool ok() const { return error_name.empty(); }
};

// What a call may reach beyond the manager.
struct BusCallContext {
    Manager& manager;
    uid_t uid;  // of the connection (SO_PEERCRED)
    // Reboot(mode): "" when accepted, else the sentence to send back.
    std::function<std::string(const std::string& mode)> reboot;
    // BootTimeline: the timeline JSON.
    std::function<std::string()> timeline_json;
    // Watchdog: the hardware watchdog's properties; unset: PID 1 uses none.
    std::function<std::vector<std::pair<std::string, PropertyValue>>()> watchdog = {};
    // Bless: confirms a trial boot (the answer, or why not); unset: this is
    // no trial boot.
    std::function<Result<std::string>()> bless = {};
};

// GetUnit's properties of a unit (for a WaitUnit answered later).
BusReply unit_properties(const Manager& manager, UnitId unit);

// Runs `method` with its one string argument (ignored by the methods that
// take none). An unknown method gets kErrorUnknownMethod.
BusReply handle_bus_call(BusCallContext& context, std::string_view method,
                         std::string_view argument);

// ReadLog(as units, t after, u tail): the journal's lines (journal.h's
// JournalQuery), within the bounds above; a unit name longer than a unit
// name can be, or too many names, is InvalidArgs.
BusReply read_log(const Journal& journal, const std::vector<std::string>& units, uint64_t after,
                  uint32_t tail);

// `text` as it may appear on the bus: well-formed UTF-8 (bad bytes become
// U+FFFD), at most `limit` bytes before that, so an echoed 100 MB name does
// not become a 100 MB error.
std::string bus_text(std::string_view text, size_t limit = SIZE_MAX);

}  // namespace fastinit
