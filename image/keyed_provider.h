// KeyedProvider: what every HTTP provider with rotated API keys shares: the
// generic instance settings (image_providers.<name>), the KeyPool, reload and
// run-time switches, and the one retry loop that turns attempts into an
// ImageResult. A provider type derives from it and writes the request and
// the answer's parsing (exchange) of its own wire format.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bot/llm/key_pool.h"
#include "image/provider.h"

namespace picbot::image {

// The generic keys of an image_providers.<name> entry (host schema).
struct InstanceSettings {
  std::string api_base;  // versioned; "" = the type's default
  std::vector<std::string> api_keys;
  std::string model;
  std::string proxy;
  double request_timeout_seconds = 180;
  int max_retry_attempts = 3;
  double backoff_initial_seconds = 2;
  double backoff_max_seconds = 10;
  std::size_t max_image_bytes = 32 * 1024 * 1024;
  bool allow_private_download_addresses = false;
  nlohmann::json extra = nlohmann::json::object();  // merged into each request

  llm::RetrySettings retry_settings() const;
};

// Reads an image_providers.<name> section; api_base and model fall back to
// the given defaults when empty. "bad_config" naming the entry for a value of
// the wrong type or a non-positive timeout.
Result<InstanceSettings> instance_settings_from(const ProviderConfig& config,
                                                std::string_view default_api_base,
                                                std::string_view default_model);

class KeyedProvider : public Provider {
 public:
  std::vector<llm::KeyState> key_states() const override { return keys_.snapshot(clock_.now()); }
  std::string model() const override { return settings_->model; }
  std::string api_base() const override { return settings_->api_base; }
  std::chrono::milliseconds deadline() const override { return settings_->retry_settings().deadline; }
  Status reconfigure(const ProviderConfig& config) override;
  void set_model(std::string model) override;
  void set_api_base(std::string api_base) override;

 protected:
  // One attempt with one key: the image of the answer, or its failure class.
  using Attempt = std::function<boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>>(
      const std::string& key)>;

  KeyedProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings,
                std::string default_api_base, std::string default_model);

  // The settings a call starts with (calls in flight keep theirs).
  std::shared_ptr<const InstanceSettings> settings() const { return settings_; }
  // The call's retry policy: the settings', ended earlier by request.deadline.
  llm::RetrySettings retry_for(const ImageRequest& request, const InstanceSettings& settings) const;
  // Runs attempt through RetryingCaller over the keys and logs the outcome.
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> run(Attempt attempt,
                                                                      llm::RetrySettings retry,
                                                                      std::string model);

  net::HttpClient& http_;
  const Clock& clock_;
  WorkerPool& workers_;

 private:
  void replace_settings(InstanceSettings settings);

  std::string default_api_base_;
  std::string default_model_;
  std::shared_ptr<const InstanceSettings> settings_;
  llm::KeyPool keys_;
};

}  // namespace picbot::image
