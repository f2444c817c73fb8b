// Spelling suggestions for unknown config keys: "acess_token" -> "access_token".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picbot::config {

// Optimal-string-alignment distance: insertions, deletions, substitutions and
// swaps of two neighbouring characters each cost 1. Compares bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to key when it is close enough to be a typo: at most
// one edit per three characters of key (at least one edit). Ties go to the
// earlier candidate. nullopt when none is close or key is itself a candidate.
std::optional<std::string> closest_key(std::string_view key, const std::vector<std::string>& candidates);

}  // namespace picbot::config
