// PluginSettings: the plugins.gemini_pic_gen section in typed form, and the
// schema that documents and validates it. Key names follow the original
// AstrBot plugin so operators can copy their settings over.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/config/schema.h"
#include "bot/core/result.h"
#include "image/provider.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "plugins/gemini_pic_gen/quota/quota_policy.h"
#include "plugins/gemini_pic_gen/reference_images.h"

namespace picbot::gemini {

struct PluginSettings {
  // The image providers, tried in order: the instances of the top-level
  // image_providers map that `providers` names, or, when it names none, the
  // implicit "openrouter" instance that the flat keys (openrouter_api_keys,
  // model_name, custom_api_base, ...) define. Never empty. The name
  // "openrouter" means that implicit instance unless image_providers has one
  // of its own.
  std::vector<image::ProviderConfig> providers;
  // Every configured instance /banana provider may pick: the implicit
  // "openrouter" first (unless image_providers defines that name), then
  // image_providers' entries by name. Only those in providers are checked.
  std::vector<image::ProviderConfig> instances;
  QuotaConfig quota;
  DeliveryOptions delivery;
  ReferenceOptions references;
  int max_concurrent_generations = 8;
  bool acknowledge = true;  // "正在生成…" before a long job
  // A send that failed because the link dropped is retried once if the
  // account reconnects within this long; zero: no resend.
  std::chrono::milliseconds resend_wait{60'000};
  // Each attempt's wait for a locked quota database (rate_limit.busy_timeout_seconds).
  std::chrono::milliseconds quota_busy_timeout{5'000};
  bool translate_prompt = false;               // ask the chat model to translate /draw prompts
  std::map<std::string, std::string> presets;  // command -> prompt template ({prompt} = user text)

  // REQUIRES: section validated against plugin_schema(), image_providers
  // (the top-level map) against the host schema, or null when unknown (then
  // named providers are not resolved and the flat keys are checked instead).
  // "bad_config" for a provider name the map lacks or an invalid instance.
  static Result<PluginSettings> from_config(const nlohmann::json& section,
                                            const nlohmann::json& image_providers = nullptr);
};

std::vector<config::Field> plugin_schema();

}  // namespace picbot::gemini
