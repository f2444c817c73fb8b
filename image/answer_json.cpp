#include "image/answer_json.h"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <string>
#include <system_error>

#include "bot/core/json_limits.h"
#include "bot/onebot/json_view.h"

namespace picbot::image {

Result<nlohmann::json> parse_answer_json(std::string_view body) {
  boost::json::monotonic_resource arena;
  std::error_code error;
  const boost::json::value root = boost::json::parse(body, error, &arena, bounded_json_options());
  if (error == boost::json::error::too_deep) {
    // The code parse_json gives, which is_json_too_deep recognises.
    return Error::make("json_too_deep", "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  if (error) return Error::make("not_json", "not JSON: " + error.message());
  return onebot::to_nlohmann(root);
}

std::string string_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace picbot::image
