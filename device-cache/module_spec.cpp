#include "device-cache/module_spec.h"

#include <array>
#include <utility>

namespace fastinit {
namespace {

constexpr std::array<std::pair<LoadStatus, std::string_view>, 6> kStatusNames{{
    {LoadStatus::not_loaded, "not-loaded"},
    {LoadStatus::loaded, "loaded"},
    {LoadStatus::present, "present"},
    {LoadStatus::blacklisted, "blacklisted"},
    {LoadStatus::failed, "failed"},
    {LoadStatus::skipped, "skipped"},
}};

constexpr std::array<std::pair<PrerequisiteKind, std::string_view>, 3> kKindNames{{
    {PrerequisiteKind::dependency, "dep"},
    {PrerequisiteKind::soft_pre, "pre"},
    {PrerequisiteKind::soft_post, "post"},
}};

template <typename Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
    for (const auto& [candidate, name] : table)
        if (candidate == value)
            return name;
    return "?";
}

template <typename Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view name) {
    for (const auto& [candidate, candidate_name] : table)
        if (candidate_name == name)
            return candidate;
    return std::nullopt;
}

}  // namespace

std::string_view load_status_name(LoadStatus status) {
    return name_of(kStatusNames, status);
}

std::optional<LoadStatus> parse_load_status(std::string_view name) {
    return value_of(kStatusNames, name);
}

bool is_in_kernel(LoadStatus status) {
    return status == LoadStatus::loaded || status == LoadStatus::present;
}

std::string_view prerequisite_kind_name(PrerequisiteKind kind) {
    return name_of(kKindNames, kind);
}

std::optional<PrerequisiteKind> parse_prerequisite_kind(std::string_view name) {
    return value_of(kKindNames, name);
}

}  // namespace fastinit
