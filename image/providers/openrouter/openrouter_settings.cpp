#include "image/providers/openrouter/openrouter_settings.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "bot/core/logging.h"
#include "image/format.h"
#include "image/log_messages.h"
#include "image/provider.h"

namespace picbot::image {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 2> kWithdrawnModels = {"google/gemini-2.5-flash-image-preview:free",
                                                              "google/gemini-2.5-flash-image-preview"};

Error bad_config(std::string_view key, std::string_view problem) {
  std::string path = "plugins.gemini_pic_gen";
  if (!key.empty()) path += "." + std::string(key);
  return Error::make("bad_config", path + ": " + std::string(problem));
}

// Reads section[key] into out when present and not null. Returns an error for
// a value of the wrong type.
template <class T>
std::optional<Error> read(const json& section, const char* key, T& out) {
  auto it = section.find(key);
  if (it == section.end() || it->is_null()) return std::nullopt;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return bad_config(key, "has the wrong type (" + std::string(it->type_name()) + ")");
  }
  return std::nullopt;
}

std::optional<Error> check_range(const char* key, double value, double min, double max) {
  if (std::isfinite(value) && value >= min && value <= max) return std::nullopt;
  return bad_config(key, "must be between " + json(min).dump() + " and " + json(max).dump());
}

}  // namespace

llm::RetrySettings OpenRouterSettings::retry_settings() const {
  return make_retry_settings(max_retry_attempts, backoff_initial_seconds, backoff_max_seconds,
                             request_timeout_seconds);
}

Result<OpenRouterSettings> openrouter_settings_from_config(const json& section) {
  OpenRouterSettings settings;
  if (section.is_null()) return settings;
  if (!section.is_object()) return bad_config("", "the section must be an object");
  std::string legacy_key;
  std::string aspect_ratio;
  long long max_image_bytes = static_cast<long long>(settings.max_image_bytes);
  for (auto error :
       {read(section, "openrouter_api_keys", settings.api_keys),
        read(section, "openrouter_api_key", legacy_key), read(section, "model_name", settings.model_name),
        read(section, "custom_api_base", settings.custom_api_base),
        read(section, "max_retry_attempts", settings.max_retry_attempts),
        read(section, "backoff_initial_seconds", settings.backoff_initial_seconds),
        read(section, "backoff_max_seconds", settings.backoff_max_seconds),
        read(section, "request_timeout_seconds", settings.request_timeout_seconds),
        read(section, "http_referer", settings.http_referer), read(section, "app_title", settings.app_title),
        read(section, "proxy", settings.proxy), read(section, "aspect_ratio", aspect_ratio),
        read(section, "max_image_bytes", max_image_bytes)}) {
    if (error) return *error;
  }
  for (auto error : {check_range("max_retry_attempts", settings.max_retry_attempts, 1, 20),
                     check_range("backoff_initial_seconds", settings.backoff_initial_seconds, 0, 600),
                     check_range("backoff_max_seconds", settings.backoff_max_seconds, 0, 600),
                     check_range("request_timeout_seconds", settings.request_timeout_seconds, 1, 3600),
                     check_range("max_image_bytes", static_cast<double>(max_image_bytes), 1024, 1 << 30)}) {
    if (error) return *error;
  }
  settings.max_image_bytes = static_cast<std::size_t>(max_image_bytes);
  if (!legacy_key.empty() &&
      std::find(settings.api_keys.begin(), settings.api_keys.end(), legacy_key) == settings.api_keys.end()) {
    settings.api_keys.push_back(legacy_key);
  }
  if (std::find(kWithdrawnModels.begin(), kWithdrawnModels.end(), settings.model_name) !=
      kWithdrawnModels.end()) {
    log::get("gemini")->warn("{}",
                             log_text("log.image.model_withdrawn", fmt::arg("model", settings.model_name),
                                      fmt::arg("replacement", kDefaultImageModel)));
    settings.model_name = std::string(kDefaultImageModel);
  }
  if (settings.model_name.empty()) return bad_config("model_name", "must not be empty");
  if (!aspect_ratio.empty()) {
    if (!is_supported_aspect_ratio(aspect_ratio)) {
      return bad_config("aspect_ratio", "must be one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9");
    }
    settings.aspect_ratio = aspect_ratio;
  }
  return settings;
}

}  // namespace picbot::image
