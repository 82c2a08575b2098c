#include "base/boot_clock.h"

#include <ctime>

namespace fastinit {

long long boottime_us() {
    timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

}  // namespace fastinit
