#include "bot/core/json_limits.h"

#include <string>

namespace picbot {
namespace {

constexpr const char* kTooDeep = "json_too_deep";

// Drops the "[json.exception.parse_error.101] " prefix of nlohmann's messages.
std::string without_exception_id(std::string_view what) {
  if (const auto prefix_end = what.find("] "); prefix_end != std::string_view::npos) {
    what.remove_prefix(prefix_end + 2);
  }
  return std::string(what);
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, std::size_t max_depth) {
  // nlohmann's lexer reads a NUL byte as the end of the input, so it would
  // accept `{...}\0<anything>`.
  if (text.find('\0') != std::string_view::npos) {
    return Error::make("not_json", "the text holds a NUL byte at offset " + std::to_string(text.find('\0')));
  }
  // nlohmann's parser keeps its own stack (no recursion); the callback
  // discards every container opened below the limit, so the value built never
  // nests deeper than max_depth, and the flag turns the whole parse into a refusal.
  bool too_deep = false;
  const auto limit_depth = [&too_deep, max_depth](int depth, nlohmann::json::parse_event_t event,
                                                  nlohmann::json&) {
    // depth counts the containers around this one.
    const bool opens = event == nlohmann::json::parse_event_t::object_start ||
                       event == nlohmann::json::parse_event_t::array_start;
    if (opens && static_cast<std::size_t>(depth) >= max_depth) too_deep = true;
    return !too_deep;
  };
  try {
    nlohmann::json value = nlohmann::json::parse(text, limit_depth, /*allow_exceptions=*/true);
    if (too_deep) {
      return Error::make(kTooDeep, "nested deeper than " + std::to_string(max_depth) + " levels");
    }
    return value;
  } catch (const nlohmann::json::exception& e) {
    if (too_deep) {
      return Error::make(kTooDeep, "nested deeper than " + std::to_string(max_depth) + " levels");
    }
    return Error::make("not_json", without_exception_id(e.what()));
  }
}

bool is_json_too_deep(const Error& error) { return error.code == kTooDeep; }

}  // namespace picbot
