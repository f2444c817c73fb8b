// OpenRouterProvider: OpenRouterImageClient behind the engine's Provider
// interface (type "openrouter").
#pragma once

#include "image/provider.h"
#include "image/providers/openrouter/openrouter_image_client.h"
#include "image/providers/openrouter/openrouter_settings.h"

namespace picbot::image {

// The settings an "openrouter" instance's section gives (the plugin's flat
// keys, see openrouter_settings_from_config), with the download switch.
Result<OpenRouterSettings> openrouter_settings_from_provider_config(const ProviderConfig& config);

class OpenRouterProvider final : public Provider {
 public:
  OpenRouterProvider(const ProviderDeps& deps, std::string name, OpenRouterSettings settings);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  Capabilities capabilities() const override;
  std::vector<llm::KeyState> key_states() const override { return client_.key_states(); }
  bool enable_key(std::size_t index, std::string_view masked_key) override {
    return client_.enable_key(index, masked_key);
  }
  std::string_view type() const override { return "openrouter"; }
  std::string model() const override { return client_.settings().model_name; }
  std::string api_base() const override;
  std::chrono::milliseconds deadline() const override { return client_.settings().retry_settings().deadline; }
  Status reconfigure(const ProviderConfig& config) override;
  void set_model(std::string model) override;
  void set_api_base(std::string api_base) override;

 private:
  const Clock& clock_;
  OpenRouterImageClient client_;
};

// The registry entry (image/provider_registry.h).
const ProviderType& openrouter_provider_type();

}  // namespace picbot::image
