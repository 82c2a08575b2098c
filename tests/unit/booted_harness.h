// The boot the timeline tests record and the analyze tests format.
#pragma once

#include <gtest/gtest.h>

#include "tests/unit/fakes.h"

namespace fastinit::testing {

using std::chrono::milliseconds;

// default ← app ← {db (300ms), net (100ms)}: the chain goes through db.
inline Harness booted() {
    Harness h({{"default", "[unit]\nrequires = [\"app\"]\n"},
               {"app", oneshot("requires = [\"db\", \"net\"]")},
               {"db", oneshot()},
               {"net", oneshot()},
               {"idle", oneshot()}});
    EXPECT_TRUE(h.manager.start("default").ok());
    h.spawned("db");
    h.spawned("net");
    h.clock.advance(milliseconds(100));
    h.exited("net");
    h.clock.advance(milliseconds(200));
    h.exited("db");
    h.spawned("app");
    h.clock.advance(milliseconds(50));
    h.exited("app");
    return h;
}

}  // namespace fastinit::testing
