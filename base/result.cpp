#include "base/result.h"

#include <cstring>

namespace fastinit {

Error system_error(std::string what, int errno_value) {
    what += ": ";
    what += std::strerror(errno_value);
    return Error{std::move(what), errno_value};
}

}  // namespace fastinit
