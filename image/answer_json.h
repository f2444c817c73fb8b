// parse_answer_json: an upstream's answer body as nlohmann::json, for the
// providers' parsers. Answers carry images as base64 strings of megabytes;
// nlohmann's lexer builds such a string one character at a time (about 20 ms
// of CPU for a 2 MB image), so the body is parsed by Boost.JSON into an arena
// (the string copied once) and converted. Thread-safe (no shared state).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::image {

// The same value parse_json (bot/core/json_limits.h) gives for body, nesting
// bounded by kMaxJsonDepth. Errors: "json_too_deep" (is_json_too_deep) for
// too deep a nesting, else "not_json" (trailing text, a raw NUL byte, ...).
Result<nlohmann::json> parse_answer_json(std::string_view body);

// object[key] when it is a string, else "" (answers are outside input: a
// missing or mistyped member is not an exception). REQUIRES: object is an object.
std::string string_at(const nlohmann::json& object, const char* key);

}  // namespace picbot::image
