// The check that the manager is entered only on its own thread
// (base/owner_thread.h): what it tells apart always, and that the manager
// aborts on a call from elsewhere in builds with -Dmain_thread_check=true.
#include "base/owner_thread.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/fakes.h"

namespace fastinit {
namespace {

TEST(OwnerThread, TellsItsThreadFromAnother) {
    OwnerThread owner;
    EXPECT_TRUE(owner.is_current());
    bool elsewhere = true;
    std::thread([&] { elsewhere = owner.is_current(); }).join();
    EXPECT_FALSE(elsewhere);
    owner.check("here");  // on its own thread: nothing happens
}

#if FASTINIT_MAIN_THREAD_CHECK
TEST(OwnerThreadDeathTest, TheManagerEnteredFromAnotherThreadAborts) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    testing::Harness h({{"o", testing::oneshot()}});
    EXPECT_DEATH(std::thread([&] { (void)h.manager.start("o"); }).join(),
                 "Manager::start called on a thread other than the one that made it");
    EXPECT_DEATH(std::thread([&] { h.manager.on_exit(1234, ExitStatus{}); }).join(),
                 "Manager::on_exit called on a thread");
    // The thread that made it is still welcome.
    EXPECT_TRUE(h.manager.start("o").ok());
}
#else
// Built without the check (release): it costs nothing, so a call from
// another thread is not even noticed. (The sanitizer build of scripts/test
// has the check on and runs the death test above.)
TEST(OwnerThread, WithoutTheCheckTheManagerDoesNotLook) {
    testing::Harness h({{"o", testing::oneshot()}});
    bool started = false;
    std::thread([&] { started = h.manager.start("o").ok(); }).join();
    EXPECT_TRUE(started);
}
#endif

}  // namespace
}  // namespace fastinit
