// Lenient reading of OneBot scalar fields. The spec says ids are integers and
// segment data values are strings, but implementations differ: NapCat sends
// file_size as a number or a string, others send ids as "12345". These helpers
// accept both forms so the parsers stay tolerant in one place.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace picbot::onebot {

// Returns the integer held by value: an integer number, a float (truncated
// toward zero, when it fits), or a string that is entirely a decimal integer
// (optional leading '-'). Anything else, including overflow: nullopt.
std::optional<std::int64_t> json_to_int(const nlohmann::json& value);

// Returns json_to_int(value), or 0 when value is not an id. 0 is never a valid
// QQ / group / message id, so it doubles as "absent".
std::int64_t json_to_id(const nlohmann::json& value);

// Returns value as text: a string as is, a number in decimal, a boolean as
// "true"/"false", null as "", and an object or array as compact JSON.
std::string json_to_string(const nlohmann::json& value);

// Like json_to_string(object[key]), but moves a string out of object instead
// of copying it. Returns "" when object is not an object or lacks key.
std::string take_string(nlohmann::json& object, const char* key);

// Returns json_to_string(object[key]) (a copy), or "" when object is not an
// object or lacks key.
std::string field_string(const nlohmann::json& object, const char* key);

// Returns json_to_id(object[key]), or 0 when object is not an object or lacks key.
std::int64_t field_id(const nlohmann::json& object, const char* key);

}  // namespace picbot::onebot
