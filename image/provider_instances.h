// The image provider instances a config defines: the implicit "openrouter"
// of the drawing plugin's flat keys (unless image_providers names an entry
// "openrouter"), then every image_providers.<name> entry, by name. Shared by
// the drawing plugin and `picbot batch`, so both see the same instances.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "image/provider.h"

namespace picbot::image {

// openrouter_section: plugins.gemini_pic_gen (its flat OpenRouter keys), or
// null when the config has none. image_providers: the top-level map, or null.
// Entries that are not objects are left out; nothing is validated here
// (check_provider_config does that).
std::vector<ProviderConfig> provider_instances(const nlohmann::json& openrouter_section,
                                               const nlohmann::json& image_providers);

}  // namespace picbot::image
