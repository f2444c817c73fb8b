#include "image/keyed_provider.h"

#include <algorithm>

#include "bot/core/logging.h"
#include "bot/core/text.h"
#include "bot/core/worker_pool.h"
#include "bot/llm/chat_endpoint.h"
#include "image/cancellable.h"
#include "image/download.h"
#include "image/log_messages.h"

namespace picbot::image {
namespace {

using nlohmann::json;

Error bad_config(const ProviderConfig& config, std::string_view problem) {
  return Error::make("bad_config", "image_providers." + config.name + ": " + std::string(problem));
}

}  // namespace

std::string versioned_url(std::string_view api_base, std::string_view default_base,
                          std::string_view default_version, std::string_view path) {
  std::string base(trim(api_base));
  if (base.empty()) base = default_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::size_t scheme = base.find("://");
  if (scheme != std::string::npos && base.find('/', scheme + 3) == std::string::npos) base += default_version;
  return base + "/" + std::string(path);
}

llm::RetrySettings InstanceSettings::retry_settings() const {
  return make_retry_settings(max_retry_attempts, backoff_initial_seconds, backoff_max_seconds,
                             request_timeout_seconds);
}

Result<InstanceSettings> instance_settings_from(const ProviderConfig& config,
                                                std::string_view default_api_base,
                                                std::string_view default_model) {
  const json& section = config.section;
  if (!section.is_object()) return bad_config(config, "expected a mapping");
  InstanceSettings settings;
  try {
    if (section.contains("api_keys")) {
      for (const json& key : section["api_keys"]) {
        const std::string text(trim(key.get<std::string>()));
        if (!text.empty() &&
            std::find(settings.api_keys.begin(), settings.api_keys.end(), text) == settings.api_keys.end()) {
          settings.api_keys.push_back(text);
        }
      }
    }
    settings.api_base = section.value("api_base", "");
    settings.model = section.value("model", "");
    settings.proxy = section.value("proxy", "");
    settings.request_timeout_seconds = section.value("request_timeout_seconds", 180.0);
    settings.max_retry_attempts = section.value("max_retry_attempts", 3);
    settings.poll_interval_seconds = section.value("poll_interval_seconds", 5.0);
  } catch (const json::exception& e) {
    return bad_config(config, std::string("a value has the wrong type: ") + e.what());
  }
  if (settings.api_base.empty()) settings.api_base = default_api_base;
  if (settings.model.empty()) settings.model = default_model;
  if (!(settings.request_timeout_seconds > 0))
    return bad_config(config, "request_timeout_seconds must be > 0");
  if (!(settings.poll_interval_seconds > 0)) return bad_config(config, "poll_interval_seconds must be > 0");
  settings.extra = extra_body_fields(section.value("extra", json::object()));
  settings.allow_private_download_addresses = config.allow_private_download_addresses;
  return settings;
}

KeyedProvider::KeyedProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings,
                             std::string default_api_base, std::string default_model)
    : Provider(std::move(name)),
      http_(deps.http),
      clock_(deps.clock),
      workers_(deps.workers),
      default_api_base_(std::move(default_api_base)),
      default_model_(std::move(default_model)) {
  replace_settings(std::move(settings));
}

void KeyedProvider::replace_settings(InstanceSettings settings) {
  settings_ = std::make_shared<const InstanceSettings>(std::move(settings));
  llm::register_api_keys(settings_->api_keys);
  keys_.replace_keys(settings_->api_keys);
}

Status KeyedProvider::reconfigure(const ProviderConfig& config) {
  auto settings = instance_settings_from(config, default_api_base_, default_model_);
  if (!settings) return settings.error();
  replace_settings(std::move(*settings));
  return {};
}

void KeyedProvider::set_model(std::string model) {
  InstanceSettings next = *settings_;
  next.model = std::move(model);
  settings_ = std::make_shared<const InstanceSettings>(std::move(next));
}

void KeyedProvider::set_api_base(std::string api_base) {
  InstanceSettings next = *settings_;
  next.api_base = std::move(api_base);
  settings_ = std::make_shared<const InstanceSettings>(std::move(next));
}

llm::RetrySettings KeyedProvider::retry_for(const ImageRequest& request,
                                            const InstanceSettings& settings) const {
  llm::RetrySettings retry = settings.retry_settings();
  if (request.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*request.deadline - clock_.now());
    retry.deadline = std::max(std::chrono::milliseconds(0), std::min(retry.deadline, left));
  }
  return retry;
}

Result<KeyedProvider::Started, llm::ProviderError> KeyedProvider::start(const ImageRequest& request,
                                                                        std::size_t max_references) const {
  if (request.prompt.empty()) return refused_request("empty prompt");
  if (request.references.size() > max_references) {
    return refused_request("at most " + std::to_string(max_references) + " reference images");
  }
  Started started;
  if (request.size || request.aspect_ratio) {
    auto wish = parse_size_wish(request.size ? *request.size : *request.aspect_ratio);
    if (!wish.ok()) return refused_request(wish.error().message);
    started.wish = *wish;
  }
  started.call.settings = settings_;
  started.call.model = request.model ? *request.model : settings_->model;
  started.call.retry = retry_for(request, *settings_);
  started.call.cancel = request.cancel;
  return started;
}

boost::asio::awaitable<Result<std::pair<int, std::string>, llm::ProviderError>> KeyedProvider::answer_of(
    net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
    ErrorReader read_error) {
  request.total_timeout = retry.deadline;
  request.max_response_bytes = max_answer_bytes(settings.max_image_bytes);
  request.proxy = settings.proxy;
  auto response = co_await http_.request(std::move(request));
  if (!response.ok()) co_return llm::classify_transport_error(response.error());
  const int status = static_cast<int>(response->status);
  if (status < 200 || status > 299) {
    if (read_error != nullptr) {
      if (auto error = read_error(status, response->body)) co_return std::move(*error);
    }
    co_return llm::classify_http_answer(status, response->body, response->header("retry-after"),
                                        clock_.now());
  }
  co_return std::pair<int, std::string>(status, std::move(response->body));
}

template <class Parsed, class Parser>
boost::asio::awaitable<Result<Parsed, llm::ProviderError>> KeyedProvider::parse_answer(std::string& body,
                                                                                       int status,
                                                                                       Parser parse) {
  if (body.size() > kParseOnWorkersBytes) {
    co_return co_await workers_.run([&body, status, parse] { return parse(body, status); });
  }
  co_return parse(body, status);
}

boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> KeyedProvider::exchange(
    net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
    AnswerParser parse, ErrorReader read_error) {
  auto answer = co_await answer_of(std::move(request), settings, retry, read_error);
  if (!answer.ok()) co_return answer.error();
  const int status = answer->first;
  auto parsed = co_await parse_answer<UpstreamImage>(answer->second, status, parse);
  if (!parsed.ok()) co_return parsed.error();
  UpstreamImage image = std::move(parsed).value();
  const DownloadOptions options{retry.deadline, settings.max_image_bytes, settings.proxy,
                                settings.allow_private_download_addresses};
  co_return co_await complete_image(http_, std::move(image.image), image.url, options, status);
}

boost::asio::awaitable<Result<std::vector<GeneratedImage>, llm::ProviderError>> KeyedProvider::exchange_all(
    net::HttpRequest request, const InstanceSettings& settings, const llm::RetrySettings& retry,
    AnswersParser parse, ErrorReader read_error) {
  auto answer = co_await answer_of(std::move(request), settings, retry, read_error);
  if (!answer.ok()) co_return answer.error();
  const int status = answer->first;
  auto parsed = co_await parse_answer<std::vector<UpstreamImage>>(answer->second, status, parse);
  if (!parsed.ok()) co_return parsed.error();
  const DownloadOptions options{retry.deadline, settings.max_image_bytes, settings.proxy,
                                settings.allow_private_download_addresses};
  std::vector<GeneratedImage> images;
  for (UpstreamImage& image : parsed.value()) {
    auto complete = co_await complete_image(http_, std::move(image.image), image.url, options, status);
    if (!complete.ok()) co_return complete.error();
    images.push_back(std::move(complete).value());
  }
  co_return images;
}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> KeyedProvider::send(Prepared call,
                                                                                    WireFormat wire) {
  // One copy of the body for every attempt: each request shares it (a body
  // can be several MB, e.g. base64 reference images in `picbot batch`).
  auto body = std::make_shared<const std::string>(std::move(call.body));
  auto make_request = [&call, &wire, &body](const std::string& key) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = call.url;
    request.headers = {{std::string(wire.key_header), std::string(wire.key_prefix) + key},
                       {"Content-Type", call.content_type}};
    request.shared_body = body;
    return request;
  };
  std::optional<Result<ImageResult, llm::ProviderError>> finished;
  if (wire.parse_all != nullptr) {
    auto attempt = [this, &call, &wire, &make_request](const std::string& key) {
      return exchange_all(make_request(key), *call.settings, call.retry, wire.parse_all, wire.read_error);
    };
    finished = co_await run_cancellable(call.cancel, run_all(std::move(attempt), call.retry, call.model));
  } else {
    auto attempt = [this, &call, &wire, &make_request](const std::string& key) {
      return exchange(make_request(key), *call.settings, call.retry, wire.parse, wire.read_error);
    };
    finished = co_await run_cancellable(call.cancel, run(std::move(attempt), call.retry, call.model));
  }
  if (!finished) co_return cancelled_error();
  co_return std::move(*finished);
}

namespace {

void append_images(std::vector<GeneratedImage>& images, GeneratedImage image) {
  images.push_back(std::move(image));
}
void append_images(std::vector<GeneratedImage>& images, std::vector<GeneratedImage> more) {
  for (GeneratedImage& image : more) images.push_back(std::move(image));
}

}  // namespace

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> KeyedProvider::run(Attempt attempt,
                                                                                   llm::RetrySettings retry,
                                                                                   std::string model) {
  co_return co_await run_attempts<GeneratedImage>(std::move(attempt), retry, std::move(model));
}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> KeyedProvider::run_all(
    AttemptAll attempt, llm::RetrySettings retry, std::string model) {
  co_return co_await run_attempts<std::vector<GeneratedImage>>(std::move(attempt), retry, std::move(model));
}

template <class T>
boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> KeyedProvider::run_attempts(
    std::function<boost::asio::awaitable<Result<T, llm::ProviderError>>(const std::string& key)> attempt,
    llm::RetrySettings retry, std::string model) {
  const auto started = clock_.now();
  llm::RetryingCaller caller(keys_, clock_, retry);
  auto outcome = co_await caller.call<T>(std::move(attempt));
  auto log = log::get("image");
  if (!outcome.result.ok()) {
    log->warn("{}", log_text("log.image.failed", fmt::arg("provider", name()), fmt::arg("model", model),
                             fmt::arg("attempts", outcome.attempts.size()),
                             fmt::arg("reason", outcome.result.error().to_string())));
    co_return std::move(outcome.result.error());
  }
  ImageResult result;
  result.provider = name();
  result.model = std::move(model);
  for (const llm::AttemptRecord& record : outcome.attempts) result.upstream_time += record.duration;
  result.attempts = std::move(outcome.attempts);
  append_images(result.images, std::move(outcome.result).value());
  if (result.images.empty())
    co_return llm::ProviderError{llm::FailureClass::kBadResponse, 0, "no image in the response",
                                 std::nullopt};
  result.text = result.images.front().model_text;
  result.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);
  log->info(
      "{}",
      log_text("log.image.generated", fmt::arg("provider", name()), fmt::arg("model", result.model),
               fmt::arg("count", result.images.size()), fmt::arg("bytes", result.images[0].bytes.size()),
               fmt::arg("mime", result.images[0].mime), fmt::arg("attempts", result.attempts.size())));
  co_return result;
}

}  // namespace picbot::image
