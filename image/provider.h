// Provider: the image engine's one interface to an upstream that draws.
// The plugin, the batch runner and the gateway speak only these types; each
// provider (image/providers/<type>/) translates them at its edge, and maps
// every failure into llm::FailureClass (no provider invents its own classes).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/key_pool.h"
#include "bot/llm/provider_error.h"
#include "bot/llm/retrying_caller.h"
#include "image/generated_image.h"

namespace picbot {
class WorkerPool;
namespace net {
class HttpClient;
}
}  // namespace picbot

namespace picbot::image {

class TaskPoller;

struct ReferenceImage {
  std::string bytes;
  std::string mime;  // "" = taken from the bytes' magic number
};

struct ImageRequest {
  std::string prompt;
  std::vector<ReferenceImage> references;   // sent in order
  std::optional<std::string> aspect_ratio;  // one of kAspectRatios; nullopt = the provider's default
  std::optional<std::string> size;          // "1024x1024"; mapped to the provider's form (image/format.h)
  int n = 1;                                // images wanted; providers that draw one return one
  std::optional<std::string> model;         // nullopt = the provider's configured model
  // The whole call ends by then (kDeadline), retries included; nullopt = the
  // provider's request_timeout_seconds from now. The earlier one wins.
  std::optional<Clock::time_point> deadline;
  // Emitting any cancellation type on it ends the call with kCancelled. May
  // stay unconnected. The signal must outlive the call.
  boost::asio::cancellation_slot cancel;
  // Called when the call has to wait for the provider's upstream limits
  // (image/rate_limiter.h), with its 1-based place among the waiters. May be empty.
  std::function<boost::asio::awaitable<void>(std::size_t position)> on_queued;
  // Asynchronous providers: awaited with the provider's (instance's) name and
  // the task id once the upstream took the task and before its first poll
  // (the plugin records both so a restart resumes the task through that
  // instance instead of paying for it again). May be empty.
  std::function<boost::asio::awaitable<void>(const std::string& provider, const std::string& task_id)>
      on_task_submitted;
};

struct ImageResult {
  // At least one image, each verified (magic bytes and end marker). A
  // provider that answers with URLs downloads them (image/download.h) before
  // it returns, so callers always get bytes.
  std::vector<GeneratedImage> images;
  std::string text;      // the model's text, "" if none
  std::string provider;  // instance name ("openrouter", "my_openai")
  std::string model;
  std::string task_id;  // asynchronous providers only
  std::vector<llm::AttemptRecord> attempts;
  std::chrono::milliseconds upstream_time{0};  // request sent -> answer received, all attempts
  std::chrono::milliseconds total_time{0};     // generate() called -> returned
};

// What a provider can do, for the plugin's checks and the console.
struct Capabilities {
  bool text_to_image = true;
  bool image_to_image = false;
  std::size_t max_references = 0;
  enum class SizeForm {
    kAspectRatio,  // Gemini, OpenRouter: one of kAspectRatios
    kOpenAiSizes,  // a fixed list per model family
    kMinPixels,    // Seedream: WxH with a pixel floor, ratio kept
    kStarSize,     // DashScope: W*H, sides in a range
    kXSize,        // ModelScope: WxH, sides in a range
  } size_form = SizeForm::kAspectRatio;
  bool asynchronous = false;  // submit + poll
};

// The upstream queue of one provider instance, for the console.
struct LimiterState {
  std::string provider;  // instance name
  std::size_t waiting = 0;
  std::size_t running = 0;
  double requests_per_second = 0;  // 0 = no rate limit
  double burst = 1;
  std::size_t max_concurrent = 0;  // 0 = no cap
};

// One named instance from the config (image_providers.<name>, or the
// implicit "openrouter" the plugin's flat keys define).
struct ProviderConfig {
  std::string name;  // instance name, shown in logs and the console
  std::string type;  // registry key: "openrouter", "openai", ...
  // The instance's keys (api_base, api_keys, model, proxy, ...), read by the
  // provider type; for the implicit openrouter instance, the plugin section.
  nlohmann::json section = nlohmann::json::object();
  // Lets URL answers be downloaded from loopback/private addresses (tests).
  bool allow_private_download_addresses = false;
};

// Answers above this many bytes are parsed and decoded on the WorkerPool: a
// base64 image takes milliseconds to decode, which the event loop must not spend.
inline constexpr std::size_t kParseOnWorkersBytes = 64 * 1024;

// The largest answer that can carry an image of max_image_bytes as base64,
// with room for the JSON around it.
inline constexpr std::size_t max_answer_bytes(std::size_t max_image_bytes) {
  return max_image_bytes / 3 * 4 + 1024 * 1024;
}

// kBadRequest for a request refused before it is sent (empty prompt, ...).
// The refusal of a reference image at index (from 0) that is not a PNG, JPEG or WEBP image.
llm::ProviderError refused_reference(std::size_t index);

inline llm::ProviderError refused_request(std::string message) {
  return llm::ProviderError{llm::FailureClass::kBadRequest, 0, std::move(message), std::nullopt};
}

// The retry policy of a provider's settings: request_timeout_seconds becomes
// the whole call's deadline.
llm::RetrySettings make_retry_settings(int max_retry_attempts, double backoff_initial_seconds,
                                       double backoff_max_seconds, double request_timeout_seconds);

// The extra section of an instance ({"watermark": "false"}, strings as the
// config stores them) as request body fields: each value read as JSON when it
// parses ("false" -> false, "3" -> 3, "{...}"), else kept as a string.
nlohmann::json extra_body_fields(const nlohmann::json& extra);

// Thread-safety: every member runs on the io_context's thread only.
class Provider {
 public:
  virtual ~Provider() = default;

  // Draws. Errors carry the failure class (see llm::FailureClass and the
  // retry policy of llm::RetryingCaller): kBadRequest for a request the
  // provider cannot take (empty prompt, unsupported size, too many
  // references), else what the upstream's answers map to.
  virtual boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) = 0;

  // Asynchronous providers: polls a task an earlier process submitted (its
  // id from ImageRequest::on_task_submitted) to its end and returns its
  // image, without submitting anything. cancel as in ImageRequest. Others
  // answer kBadRequest "not asynchronous".
  virtual boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> resume(
      std::string task_id, Clock::time_point deadline, boost::asio::cancellation_slot cancel);

  virtual Capabilities capabilities() const = 0;
  // Each key with its state, masked, for the console.
  virtual std::vector<llm::KeyState> key_states() const = 0;
  // Brings back the key at `index` of key_states() when masked_key is its
  // masked form (the console's re-enable button). False when it is not.
  virtual bool enable_key(std::size_t index, std::string_view masked_key) {
    static_cast<void>(index);
    static_cast<void>(masked_key);
    return false;
  }

  // The upstream queue of each instance behind this provider (none when
  // it is not limited).
  virtual std::vector<LimiterState> limiter_states() const { return {}; }

  const std::string& name() const { return name_; }
  virtual std::string_view type() const = 0;
  // The model used when a request names none.
  virtual std::string model() const = 0;
  // The versioned API base the requests go to.
  virtual std::string api_base() const = 0;
  // The longest one generate() may take with the current settings, all
  // retries included (the quota reservation outlives it).
  virtual std::chrono::milliseconds deadline() const = 0;

  // Applies a new config (reload): keys disabled by 401/403 are tried again.
  // Calls in flight keep the old settings. Fails, changing nothing, when the
  // section is invalid.
  virtual Status reconfigure(const ProviderConfig& config) = 0;
  // Run-time switches (/banana model, /banana baseurl), until the next reconfigure().
  virtual void set_model(std::string model) = 0;
  virtual void set_api_base(std::string api_base) = 0;

 protected:
  explicit Provider(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

// What a provider may use. All must outlive the provider.
struct ProviderDeps {
  net::HttpClient& http;
  const Clock& clock;
  // Large answers are parsed and decoded there, off the event loop.
  WorkerPool& workers;
  // Where asynchronous providers wait between polls (image/task_poller.h);
  // without one they refuse to draw.
  TaskPoller* poller = nullptr;
};

// One provider type, as the registry lists it (image/provider_registry.h).
struct ProviderType {
  std::string_view type;
  // Validates a section without building anything ("bad_config" naming the key).
  Status (*check)(const ProviderConfig& config);
  Result<std::unique_ptr<Provider>> (*create)(const ProviderDeps& deps, const ProviderConfig& config);
};

}  // namespace picbot::image
