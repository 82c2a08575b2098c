#include "base/owner_thread.h"

#include <cstdlib>

#include "base/log.h"

namespace fastinit {

void OwnerThread::fail(const char* entry) {
    log::error(entry, " called on a thread other than the one that made it (the main thread)");
    std::abort();
}

}  // namespace fastinit
