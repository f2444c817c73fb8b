#include "image/provider.h"

namespace picbot::image {

nlohmann::json extra_body_fields(const nlohmann::json& extra) {
  nlohmann::json fields = nlohmann::json::object();
  if (!extra.is_object()) return fields;
  for (const auto& [key, value] : extra.items()) {
    if (!value.is_string()) {
      fields[key] = value;
      continue;
    }
    nlohmann::json parsed = nlohmann::json::parse(value.get<std::string>(), nullptr, false);
    fields[key] = parsed.is_discarded() ? value : std::move(parsed);
  }
  return fields;
}

}  // namespace picbot::image
