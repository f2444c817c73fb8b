// KeyedProvider: what every HTTP provider with rotated API keys shares: the
// generic instance settings (image_providers.<name>), the KeyPool, reload and
// run-time switches, and the one retry loop that turns attempts into an
// ImageResult. A provider type derives from it and writes the request and
// the answer's parsing (exchange) of its own wire format.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bot/llm/key_pool.h"
#include "bot/net/http_client.h"
#include "image/format.h"
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
  double poll_interval_seconds = 5;  // asynchronous providers: the longest wait between two polls
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

// base + "/" + path, where base is api_base (default_base when empty)
// without trailing slashes, and a bare host ("https://h") gets
// default_version ("/v1") so the version is never doubled or missing.
std::string versioned_url(std::string_view api_base, std::string_view default_base,
                          std::string_view default_version, std::string_view path);

// The image of a 2xx answer: decoded bytes, or a URL the engine downloads.
struct UpstreamImage {
  GeneratedImage image;
  std::string url;
};

class KeyedProvider : public Provider {
 public:
  std::vector<llm::KeyState> key_states() const override { return keys_.snapshot(clock_.now()); }
  bool enable_key(std::size_t index, std::string_view masked_key) override {
    return keys_.enable(index, masked_key);
  }
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
  // One attempt whose answer holds several images (a request for n > 1), in order.
  using AttemptAll =
      std::function<boost::asio::awaitable<Result<std::vector<GeneratedImage>, llm::ProviderError>>(
          const std::string& key)>;

  KeyedProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings,
                std::string default_api_base, std::string default_model);

  // The settings a call starts with (calls in flight keep theirs).
  std::shared_ptr<const InstanceSettings> settings() const { return settings_; }
  // The call's retry policy: the settings', ended earlier by request.deadline.
  llm::RetrySettings retry_for(const ImageRequest& request, const InstanceSettings& settings) const;

  // Parses a 2xx body (on the worker pool when above kParseOnWorkersBytes).
  using AnswerParser = Result<UpstreamImage, llm::ProviderError> (*)(std::string_view body, int status);
  // A provider's own reading of a non-2xx answer, before the generic one; nullopt: none.
  using ErrorReader = std::optional<llm::ProviderError> (*)(int status, std::string_view body);
  // Parses a 2xx body that may hold several images: at least one, in order.
  using AnswersParser = Result<std::vector<UpstreamImage>, llm::ProviderError> (*)(std::string_view body,
                                                                                   int status);
  // Sends request (timeout, size cap and proxy set from settings and retry)
  // and turns the answer into a complete image: transport errors and non-2xx
  // answers classified, the body parsed, a URL downloaded, the size capped.
  boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> exchange(
      net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
      AnswerParser parse, ErrorReader read_error = nullptr);
  // As exchange, for an answer of several images: each one complete.
  boost::asio::awaitable<Result<std::vector<GeneratedImage>, llm::ProviderError>> exchange_all(
      net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
      AnswersParser parse, ErrorReader read_error = nullptr);

  // One call ready to send: the same body with each key tried.
  struct Prepared {
    std::shared_ptr<const InstanceSettings> settings;
    std::string model;
    std::string url;
    std::string content_type;
    std::string body;
    llm::RetrySettings retry;
    boost::asio::cancellation_slot cancel;  // ImageRequest::cancel
  };
  // A call started from request: the current settings, the model, the retry
  // policy, and the shape asked for (size, else aspect ratio; nullopt when
  // none). kBadRequest for an empty prompt, more than max_references
  // references or an unreadable size.
  struct Started {
    Prepared call;
    std::optional<SizeWish> wish;
  };
  Result<Started, llm::ProviderError> start(const ImageRequest& request, std::size_t max_references) const;

  // How the provider's requests carry the key and how its answers read.
  struct WireFormat {
    std::string_view key_header;  // "Authorization", "x-goog-api-key"
    std::string_view key_prefix;  // "Bearer ", ""
    AnswerParser parse;
    ErrorReader read_error = nullptr;
    // For answers of several images; used instead of parse when set.
    AnswersParser parse_all = nullptr;
  };
  // POSTs call with every key in turn (run + exchange); call.cancel ends it
  // with kCancelled.
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> send(Prepared call, WireFormat wire);

  // Runs attempt through RetryingCaller over the keys and logs the outcome.
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> run(Attempt attempt,
                                                                      llm::RetrySettings retry,
                                                                      std::string model);
  // As run, every image of the answer in the result.
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> run_all(AttemptAll attempt,
                                                                          llm::RetrySettings retry,
                                                                          std::string model);

  // The 2xx answer's status and body; transport errors and other answers classified
  // (retry.deadline is the request's timeout).
  boost::asio::awaitable<Result<std::pair<int, std::string>, llm::ProviderError>> answer_of(
      net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
      ErrorReader read_error);

  llm::KeyPool& keys() { return keys_; }

  net::HttpClient& http_;
  const Clock& clock_;
  WorkerPool& workers_;

 private:
  void replace_settings(InstanceSettings settings);
  // Parses body with parse, on the worker pool when it is large.
  template <class Parsed, class Parser>
  boost::asio::awaitable<Result<Parsed, llm::ProviderError>> parse_answer(std::string& body, int status,
                                                                          Parser parse);
  // run and run_all: T is GeneratedImage or a vector of them.
  template <class T>
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> run_attempts(
      std::function<boost::asio::awaitable<Result<T, llm::ProviderError>>(const std::string& key)> attempt,
      llm::RetrySettings retry, std::string model);

  std::string default_api_base_;
  std::string default_model_;
  std::shared_ptr<const InstanceSettings> settings_;
  llm::KeyPool keys_;
};

// The registry entry of a KeyedProvider type P, built as
// P(deps, name, InstanceSettings) from its section; P names its type and
// defaults as static members kType, kApiBase and kModel.
template <class P>
const ProviderType& keyed_provider_type() {
  static const ProviderType type{
      P::kType,
      [](const ProviderConfig& config) -> Status {
        auto settings = instance_settings_from(config, P::kApiBase, P::kModel);
        if (!settings) return settings.error();
        return {};
      },
      [](const ProviderDeps& deps, const ProviderConfig& config) -> Result<std::unique_ptr<Provider>> {
        auto settings = instance_settings_from(config, P::kApiBase, P::kModel);
        if (!settings) return settings.error();
        return std::unique_ptr<Provider>(std::make_unique<P>(deps, config.name, std::move(*settings)));
      }};
  return type;
}

}  // namespace picbot::image
