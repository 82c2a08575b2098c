// JSON text for reports whose strings come from outside fastinit: cache
// fields, file names, kernel messages. nlohmann's dump() throws on a string
// that is not UTF-8, and in stage 1 (PID 1 of the initramfs) an exception
// that escapes means a kernel panic; here such bytes become U+FFFD.
//
// Header-only, so base does not link nlohmann-json: only the binaries that
// write JSON compile it.
#pragma once

#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace fastinit {

// `value` as JSON text (dump(indent)), with every ill-formed UTF-8 sequence
// replaced. Whatever still fails (memory) is an Error for the caller to log;
// it never throws.
inline Result<std::string> json_text(const nlohmann::json& value, int indent = -1) {
    try {
        return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const std::exception& e) {
        return Error{std::string("cannot write JSON: ") + e.what(), 0};
    }
}

// Reads `key` of `in` into `field` when it is there (it must then have the
// right type: get_to throws, for the caller's parse to turn into an Error);
// a missing field keeps its default, as reports written by an older
// fastinit have fewer.
template <typename T>
void read_field(const nlohmann::json& in, const char* key, T& field) {
    if (auto it = in.find(key); it != in.end())
        it->get_to(field);
}

}  // namespace fastinit
