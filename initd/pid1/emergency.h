// The last resort of PID 1 when it cannot go on: an emergency shell on the
// console if the image has one, else a halt in place. PID 1 never exits (the
// kernel would panic, and on some machines reboot in a loop).
#pragma once

#include <string>

namespace fastinit {

[[noreturn]] void emergency(const std::string& why);

}  // namespace fastinit
