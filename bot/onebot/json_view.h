// The lenient field readers of ids.h for Boost.JSON values, so parse_frame
// (and other hot parsers, such as the image response parser) can read a
// document parsed into a per-document arena with the same rules as the
// nlohmann::json path. Each function behaves exactly like its nlohmann::json
// namesake in ids.h.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bot/core/result.h"
#include "bot/onebot/segment.h"

namespace picbot::onebot {

// Returns the nlohmann::json equal to what nlohmann::json::parse would have
// built from the same text (non-negative integers are number_unsigned).
nlohmann::json to_nlohmann(const boost::json::value& value);

// nlohmann's type_name() for the same value: "null", "boolean", "number", ...
const char* type_name_of(const boost::json::value& value);
inline const char* type_name_of(const nlohmann::json& value) { return value.type_name(); }

std::optional<std::int64_t> json_to_int(const boost::json::value& value);
std::string json_to_string(const boost::json::value& value);
// Copies (the arena is freed with the frame); "" when not an object or absent.
std::string take_string(const boost::json::value& object, const char* key);
std::int64_t field_id(const boost::json::value& object, const char* key);

// Returns the member, or nullptr when object is not an object or lacks key.
const boost::json::value* find_field(const boost::json::value& object, const char* key);
const nlohmann::json* find_field(const nlohmann::json& object, const char* key);
nlohmann::json* find_field(nlohmann::json& object, const char* key);

// Moves (nlohmann) or converts (Boost.JSON) a value into an owned nlohmann::json.
inline nlohmann::json to_owned_json(nlohmann::json& value) { return std::move(value); }
inline nlohmann::json to_owned_json(const boost::json::value& value) { return to_nlohmann(value); }

// segment_from_json / parse_message for a Boost.JSON value.
Result<Segment> segment_from_json(const boost::json::value& segment);
Result<Message> parse_message(const boost::json::value& message);

}  // namespace picbot::onebot
