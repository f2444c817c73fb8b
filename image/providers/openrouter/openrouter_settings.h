// OpenRouterSettings: how the image plugin talks to OpenRouter, read from the
// plugin's config section with the original plugin's key names.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "bot/llm/retrying_caller.h"

namespace picbot::image {

inline constexpr std::string_view kDefaultImageModel = "google/gemini-2.5-flash-image";

struct OpenRouterSettings {
  std::vector<std::string> api_keys;  // rotated; empty and duplicate keys are ignored
  std::string model_name = std::string(kDefaultImageModel);
  std::string custom_api_base;  // "" = OpenRouter; see llm::normalize_api_base
  int max_retry_attempts = 3;   // attempts per key
  double backoff_initial_seconds = 2;
  double backoff_max_seconds = 10;
  double request_timeout_seconds = 180;  // one generate() call, all retries included
  std::string http_referer = "https://github.com/picbot";
  std::string app_title = "picbot";
  std::string proxy;                               // "", http://, https://, socks5://, socks5h://
  std::optional<std::string> aspect_ratio;         // used when a request names none
  std::size_t max_image_bytes = 32 * 1024 * 1024;  // cap on a decoded or downloaded image
  // Lets data[].url downloads reach loopback/private addresses. Off in
  // production (the URL comes from the provider); tests turn it on.
  bool allow_private_download_addresses = false;
  // Merged into every request body (image_providers.<name>.extra); an object.
  nlohmann::json extra = nlohmann::json::object();

  llm::RetrySettings retry_settings() const;
};

// Reads a plugin config section. Keys (all optional): openrouter_api_keys
// (list), openrouter_api_key (legacy single key, added to the list),
// model_name, custom_api_base, max_retry_attempts, backoff_initial_seconds,
// backoff_max_seconds, request_timeout_seconds, http_referer, app_title,
// proxy, aspect_ratio ("" = not sent), max_image_bytes. The withdrawn model
// id "google/gemini-2.5-flash-image-preview[:free]" is replaced by the GA id.
// Fails with code "bad_config" naming the key when a value has the wrong
// type or is out of range.
Result<OpenRouterSettings> openrouter_settings_from_config(const nlohmann::json& section);

}  // namespace picbot::image
