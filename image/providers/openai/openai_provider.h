// OpenAiProvider (type "openai"): OpenAI's Images API, or any endpoint that
// speaks it. Without references: POST {base}/images/generations with a JSON
// body; with references: POST {base}/images/edits as multipart/form-data,
// each reference a repeated "image[]" file. GPT image models answer
// data[].b64_json, DALL·E data[].url (downloaded through the SSRF guard).
// Keys rotate and failures retry through llm::RetryingCaller; a 400 whose
// code is content_policy_violation or moderation_blocked is kContentFiltered.
#pragma once

#include <memory>

#include "bot/llm/key_pool.h"
#include "image/provider.h"

namespace picbot::image {

struct OpenAiSettings {
  std::string api_base = "https://api.openai.com/v1";  // versioned; a bare host gets /v1
  std::vector<std::string> api_keys;
  std::string model = "gpt-image-1";
  std::string proxy;
  double request_timeout_seconds = 180;
  int max_retry_attempts = 3;
  double backoff_initial_seconds = 2;
  double backoff_max_seconds = 10;
  std::size_t max_image_bytes = 32 * 1024 * 1024;
  bool allow_private_download_addresses = false;
  nlohmann::json extra = nlohmann::json::object();  // merged into the body / added as form fields

  llm::RetrySettings retry_settings() const;
};

// Reads an image_providers.<name> section (keys as in the host schema).
// "bad_config" naming the key for a value of the wrong type.
Result<OpenAiSettings> openai_settings_from_provider_config(const ProviderConfig& config);

// {api_base}/images/<operation>: trailing slashes dropped, "/v1" added to a
// bare host, never doubled.
std::string openai_images_url(std::string_view api_base, std::string_view operation);

class OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(const ProviderDeps& deps, std::string name, OpenAiSettings settings);

  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override;
  Capabilities capabilities() const override;
  std::vector<llm::KeyState> key_states() const override { return keys_.snapshot(clock_.now()); }
  std::string_view type() const override { return "openai"; }
  std::string model() const override { return settings_->model; }
  std::string api_base() const override { return settings_->api_base; }
  std::chrono::milliseconds deadline() const override { return settings_->retry_settings().deadline; }
  Status reconfigure(const ProviderConfig& config) override;
  void set_model(std::string model) override;
  void set_api_base(std::string api_base) override;

 private:
  struct Call;
  boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> exchange(const Call& call,
                                                                              const std::string& key);
  void replace_settings(OpenAiSettings settings);

  net::HttpClient& http_;
  const Clock& clock_;
  WorkerPool& workers_;
  std::shared_ptr<const OpenAiSettings> settings_;
  llm::KeyPool keys_;
};

const ProviderType& openai_provider_type();

}  // namespace picbot::image
