#include "image/providers/openrouter/openrouter_image_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/llm/api_base.h"
#include "bot/llm/chat_endpoint.h"
#include "bot/onebot/base64.h"
#include "image/download.h"
#include "image/log_messages.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

Result<std::string, ProviderError> reference_data_url(const ReferenceImage& reference, std::size_t position) {
  std::string mime;
  if (auto format = sniff_image_format(reference.bytes)) {
    mime = image_mime(*format);
  } else if (reference.mime.rfind("image/", 0) == 0) {
    mime = reference.mime;  // not one we recognise; the provider decides
  } else {
    return refused_reference(position);
  }
  std::string url = "data:" + mime + ";base64,";
  url.reserve(url.size() + (reference.bytes.size() + 2) / 3 * 4);
  onebot::base64_encode_append(reference.bytes, url);
  return url;
}

}  // namespace

// The state of one generate() call, shared by its attempts.
struct OpenRouterImageClient::Call {
  std::shared_ptr<const OpenRouterSettings> settings;
  json body;
  std::string body_text;  // body.dump(), rebuilt when image_config is dropped
  bool sends_image_config = false;

  void drop_image_config() {
    body.erase("image_config");
    body_text = body.dump();
    sends_image_config = false;
  }
};

OpenRouterImageClient::OpenRouterImageClient(net::HttpClient& http, const Clock& clock,
                                             OpenRouterSettings settings, WorkerPool* workers)
    : http_(http),
      clock_(clock),
      workers_(workers),
      settings_(std::make_shared<const OpenRouterSettings>(std::move(settings))),
      keys_(settings_->api_keys) {
  llm::register_api_keys(settings_->api_keys);
}

void OpenRouterImageClient::reconfigure(OpenRouterSettings settings) {
  settings_ = std::make_shared<const OpenRouterSettings>(std::move(settings));
  llm::register_api_keys(settings_->api_keys);
  keys_.replace_keys(settings_->api_keys);
}

std::vector<llm::KeyState> OpenRouterImageClient::key_states() const { return keys_.snapshot(clock_.now()); }

boost::asio::awaitable<Result<GeneratedImage, ProviderError>> OpenRouterImageClient::generate(
    ImageRequest request) {
  auto outcome = co_await generate_with_attempts(std::move(request));
  co_return std::move(outcome.result);
}

boost::asio::awaitable<llm::CallResult<GeneratedImage>> OpenRouterImageClient::generate_with_attempts(
    ImageRequest request) {
  auto log = log::get("gemini");
  Call call;
  call.settings = settings_;
  const OpenRouterSettings& settings = *call.settings;
  if (request.prompt.empty()) co_return llm::CallResult<GeneratedImage>{refused_request("empty prompt"), {}};
  std::optional<std::string> aspect_ratio = request.aspect_ratio;
  if (!aspect_ratio && request.size) {
    auto wish = parse_size_wish(*request.size);
    if (!wish.ok()) co_return llm::CallResult<GeneratedImage>{refused_request(wish.error().message), {}};
    aspect_ratio = std::string(to_aspect_ratio(*wish));
  }
  if (!aspect_ratio) aspect_ratio = settings.aspect_ratio;
  if (aspect_ratio && !is_supported_aspect_ratio(*aspect_ratio)) {
    co_return llm::CallResult<GeneratedImage>{
        refused_request("unsupported aspect ratio " + llm::sanitize_message(*aspect_ratio, 20)), {}};
  }

  json content = json::array({{{"type", "text"}, {"text", std::move(request.prompt)}}});
  for (std::size_t i = 0; i < request.references.size(); ++i) {
    auto url = reference_data_url(request.references[i], i);
    if (!url.ok()) co_return llm::CallResult<GeneratedImage>{url.error(), {}};
    content.push_back({{"type", "image_url"}, {"image_url", {{"url", std::move(url).value()}}}});
    request.references[i].bytes = std::string();  // the data URL holds them now
  }
  const std::string& model = request.model ? *request.model : settings.model_name;
  call.body = {{"model", model},
               {"messages", json::array({{{"role", "user"}, {"content", std::move(content)}}})},
               {"modalities", {"image", "text"}}};
  if (aspect_ratio) call.body["image_config"] = {{"aspect_ratio", *aspect_ratio}};
  for (const auto& [key, value] : settings.extra.items()) call.body[key] = value;
  call.sends_image_config = aspect_ratio.has_value();
  call.body_text = call.body.dump();

  llm::RetrySettings retry = settings.retry_settings();
  if (request.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*request.deadline - clock_.now());
    retry.deadline = std::max(std::chrono::milliseconds(0), std::min(retry.deadline, left));
  }
  auto attempt =
      [this, &call, &retry,
       log](const std::string& key) -> boost::asio::awaitable<Result<GeneratedImage, ProviderError>> {
    const OpenRouterSettings& s = *call.settings;
    for (;;) {
      const llm::ChatEndpoint endpoint{s.custom_api_base, s.http_referer, s.app_title, s.proxy};
      net::HttpRequest request = llm::chat_completion_request(endpoint, key, call.body_text, retry.deadline,
                                                              max_answer_bytes(s.max_image_bytes));
      auto answer = co_await exchange(std::move(request), s);
      if (!answer.ok() && answer.error().cls == FailureClass::kNoEndpointForModalities &&
          call.sends_image_config) {
        log->warn("{}", log_text("log.image.image_config_rejected",
                                 fmt::arg("model", call.body["model"].get<std::string>()),
                                 fmt::arg("reason", answer.error().message)));
        call.drop_image_config();
        continue;
      }
      co_return answer;
    }
  };

  llm::RetryingCaller caller(keys_, clock_, retry);
  auto outcome = co_await caller.call<GeneratedImage>(std::move(attempt));
  if (outcome.result.ok()) {
    log->info("{}", log_text("log.image.model_generated", fmt::arg("model", model),
                             fmt::arg("bytes", outcome.result->bytes.size()),
                             fmt::arg("mime", outcome.result->mime),
                             fmt::arg("attempts", outcome.attempts.size())));
  } else {
    log->warn("{}", log_text("log.image.model_failed", fmt::arg("model", model),
                             fmt::arg("attempts", outcome.attempts.size()),
                             fmt::arg("reason", outcome.result.error().to_string())));
  }
  co_return outcome;
}

boost::asio::awaitable<Result<GeneratedImage, ProviderError>> OpenRouterImageClient::exchange(
    net::HttpRequest http_request, const OpenRouterSettings& settings) {
  auto response = co_await llm::post_chat_completion(http_, std::move(http_request), clock_);
  if (!response.ok()) co_return response.error();
  const int status = static_cast<int>(response->status);
  auto parsed = co_await parse(std::move(response->body), status);
  if (!parsed.ok()) co_return parsed.error();
  const DownloadOptions options{settings.retry_settings().deadline, settings.max_image_bytes, settings.proxy,
                                settings.allow_private_download_addresses};
  co_return co_await complete_image(http_, std::move(parsed->image), parsed->download_url, options, status);
}

boost::asio::awaitable<Result<ParsedImageResponse, ProviderError>> OpenRouterImageClient::parse(
    std::string body, int status) {
  if (workers_ == nullptr || body.size() <= kParseOnWorkersBytes)
    co_return parse_image_response(body, status);
  co_return co_await workers_->run([&body, status] { return parse_image_response(body, status); });
}

}  // namespace picbot::image
