// The one way picbot parses JSON that comes from outside (OneBot frames, the
// web console, upstream answers): nesting deeper than kMaxJsonDepth is refused
// while parsing, so no recursive walk (dump, copy, comparison, validation) ever
// runs over unbounded input.
#pragma once

#include <boost/json/parse_options.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bot/core/result.h"

namespace picbot {

// Arrays and objects nested deeper than this are refused. Real payloads
// (NapCat forward messages, OpenRouter answers, console forms) stay far below.
inline constexpr std::size_t kMaxJsonDepth = 64;

// Parses text as exactly one JSON value. Never throws.
// Errors: "json_too_deep" (nested deeper than max_depth; nothing deeper is
// ever built) or "not_json" (the message says where the text went wrong; raw
// NUL bytes are refused, as JSON text cannot hold them).
Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// True when error is the one parse_json returns for too deep a nesting.
bool is_json_too_deep(const Error& error);

// Boost.JSON parse options with the same depth limit; Boost.JSON reports
// boost::json::error::too_deep when it is hit.
inline boost::json::parse_options bounded_json_options() {
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  return options;
}

}  // namespace picbot
