// How much PID 1 keeps for one bus client. sd-bus queues every reply and
// signal a client has not read yet, without a limit: a root client that
// pipelines calls and never reads grew PID 1 by hundreds of MiB. A client
// that reads its replies has at most a few in flight, so one with many
// waiting is not reading, and is dropped before the next message of its is
// handled (or the next signal is queued for it).
#pragma once

#include <cstdint>

namespace fastinit {

// Messages (replies and signals) queued for one client. Each reply is at
// most one ListUnits of the loaded unit set, so this also bounds the bytes.
inline constexpr uint64_t kMaxQueuedForClient = 64;
// Messages read from one client and not yet handled.
inline constexpr uint64_t kMaxUnhandledFromClient = 64;

// True when a client with this much waiting must be dropped.
constexpr bool backlog_exceeded(uint64_t queued_write, uint64_t queued_read) {
    return queued_write > kMaxQueuedForClient || queued_read > kMaxUnhandledFromClient;
}

}  // namespace fastinit
