// OpenRouterImageClient: generates one image with an OpenRouter chat
// completion (Gemini image models), rotating keys and retrying through
// llm::RetryingCaller.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/llm/key_pool.h"
#include "bot/llm/provider_error.h"
#include "bot/llm/retrying_caller.h"
#include "bot/net/http_client.h"
#include "image/provider.h"
#include "image/providers/openrouter/openrouter_response.h"
#include "image/providers/openrouter/openrouter_settings.h"

namespace picbot::image {

// Thread-safety: use from the io_context's thread only (like HttpClient).
class OpenRouterImageClient {
 public:
  // http, clock and workers must outlive the client. With workers, answers
  // above 64 KB are parsed and decoded there instead of on the event loop.
  OpenRouterImageClient(net::HttpClient& http, const Clock& clock, OpenRouterSettings settings,
                        WorkerPool* workers = nullptr);

  // Sends POST {base}/chat/completions with modalities ["image","text"] and,
  // when an aspect ratio applies (the request's, else the one nearest its
  // size, else the settings'), image_config; a 404 "No endpoints found that
  // support the requested output modalities" is retried once without
  // image_config. data[].url answers are downloaded (at most max_image_bytes).
  // Errors: kBadRequest for an empty prompt, an unsupported aspect ratio or a
  // reference that is not PNG/JPEG/WEBP; otherwise what RetryingCaller and
  // parse_image_response report. Settings are read when the call starts;
  // request.model and an earlier request.deadline override them.
  boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> generate(ImageRequest request);

  // generate() with the attempt log, for metrics and tests.
  boost::asio::awaitable<llm::CallResult<GeneratedImage>> generate_with_attempts(ImageRequest request);

  // Applies new settings (config reload): the key list is replaced, so keys
  // disabled by 401/403 are tried again. Calls in flight keep the old settings.
  void reconfigure(OpenRouterSettings settings);

  // The keys with their state, masked, for the status page.
  std::vector<llm::KeyState> key_states() const;
  // The operator's re-enable of a key (llm::KeyPool::enable).
  bool enable_key(std::size_t index, std::string_view masked_key) { return keys_.enable(index, masked_key); }

  // Valid until the next reconfigure().
  const OpenRouterSettings& settings() const { return *settings_; }

 private:
  struct Call;

  // One request with one key; the answer parsed, and downloaded when it is a URL.
  boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> exchange(
      net::HttpRequest request, const OpenRouterSettings& settings);
  // parse_image_response, on the worker pool when the body is large.
  boost::asio::awaitable<Result<ParsedImageResponse, llm::ProviderError>> parse(std::string body, int status);

  net::HttpClient& http_;
  const Clock& clock_;
  WorkerPool* workers_;
  std::shared_ptr<const OpenRouterSettings> settings_;
  llm::KeyPool keys_;
};

}  // namespace picbot::image
