#include "image/provider_instances.h"

namespace picbot::image {

std::vector<ProviderConfig> provider_instances(const nlohmann::json& openrouter_section,
                                               const nlohmann::json& image_providers) {
  std::vector<ProviderConfig> instances;
  const bool named = image_providers.is_object();
  if (!named || !image_providers.contains("openrouter")) {
    ProviderConfig implicit;
    implicit.name = "openrouter";
    implicit.type = "openrouter";
    implicit.section = openrouter_section.is_object() ? openrouter_section : nlohmann::json::object();
    instances.push_back(std::move(implicit));
  }
  if (!named) return instances;
  for (const auto& [name, section] : image_providers.items()) {
    if (!section.is_object()) continue;
    ProviderConfig config;
    config.name = name;
    config.section = section;
    config.type = section.value("type", "");
    instances.push_back(std::move(config));
  }
  return instances;
}

}  // namespace picbot::image
