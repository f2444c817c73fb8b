#include "image/providers/openrouter/openrouter_provider.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/llm/api_base.h"

namespace picbot::image {

namespace {

// An image_providers.<name> entry in the plugin's flat key names.
nlohmann::json flat_keys(const nlohmann::json& instance) {
  nlohmann::json flat = nlohmann::json::object();
  for (const char* same : {"proxy", "request_timeout_seconds", "max_retry_attempts"}) {
    if (instance.contains(same)) flat[same] = instance[same];
  }
  if (instance.contains("api_keys")) flat["openrouter_api_keys"] = instance["api_keys"];
  if (!instance.value("model", "").empty()) flat["model_name"] = instance["model"];
  if (instance.contains("api_base")) flat["custom_api_base"] = instance["api_base"];
  return flat;
}

}  // namespace

Result<OpenRouterSettings> openrouter_settings_from_provider_config(const ProviderConfig& config) {
  // A named instance carries its type; the implicit one is the plugin section.
  const bool named = config.section.is_object() && config.section.contains("type");
  auto settings = openrouter_settings_from_config(named ? flat_keys(config.section) : config.section);
  if (!settings) return settings.error();
  settings->allow_private_download_addresses = config.allow_private_download_addresses;
  if (named) settings->extra = extra_body_fields(config.section.value("extra", nlohmann::json::object()));
  return settings;
}

OpenRouterProvider::OpenRouterProvider(const ProviderDeps& deps, std::string name,
                                       OpenRouterSettings settings)
    : Provider(std::move(name)),
      clock_(deps.clock),
      client_(deps.http, deps.clock, std::move(settings), &deps.workers) {}

boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> OpenRouterProvider::generate(
    ImageRequest request) {
  const auto started = clock_.now();
  ImageResult result;
  result.provider = name();
  result.model = request.model ? *request.model : model();
  auto outcome = co_await generate_cancellable(std::move(request));
  if (!outcome.result.ok()) co_return std::move(outcome.result.error());
  for (const llm::AttemptRecord& attempt : outcome.attempts) result.upstream_time += attempt.duration;
  result.attempts = std::move(outcome.attempts);
  result.text = outcome.result->model_text;
  result.images.push_back(std::move(outcome.result).value());
  result.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);
  co_return result;
}

boost::asio::awaitable<llm::CallResult<GeneratedImage>> OpenRouterProvider::generate_cancellable(
    ImageRequest request) {
  if (!request.cancel.is_connected()) co_return co_await client_.generate_with_attempts(std::move(request));
  boost::asio::cancellation_slot slot = request.cancel;
  request.cancel = {};
  auto executor = co_await boost::asio::this_coro::executor;
  // The call runs as its own coroutine with the request's slot bound, so the
  // signal cancels whatever it waits on (HTTP exchange, backoff).
  std::optional<llm::CallResult<GeneratedImage>> outcome;
  co_await boost::asio::co_spawn(
      executor, generate_into(std::move(request), outcome),
      boost::asio::bind_cancellation_slot(slot, boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (!outcome) {
    // The cancellation ended a wait by throwing.
    co_return llm::CallResult<GeneratedImage>{
        llm::ProviderError{llm::FailureClass::kCancelled, 0, "image generation cancelled", std::nullopt}, {}};
  }
  co_return std::move(*outcome);
}

boost::asio::awaitable<void> OpenRouterProvider::generate_into(
    ImageRequest request, std::optional<llm::CallResult<GeneratedImage>>& out) {
  out.emplace(co_await client_.generate_with_attempts(std::move(request)));
}

Capabilities OpenRouterProvider::capabilities() const {
  Capabilities capabilities;
  capabilities.text_to_image = true;
  capabilities.image_to_image = true;
  capabilities.max_references = 16;
  capabilities.size_form = Capabilities::SizeForm::kAspectRatio;
  capabilities.asynchronous = false;
  return capabilities;
}

std::string OpenRouterProvider::api_base() const {
  return llm::normalize_api_base(client_.settings().custom_api_base);
}

Status OpenRouterProvider::reconfigure(const ProviderConfig& config) {
  auto settings = openrouter_settings_from_provider_config(config);
  if (!settings) return settings.error();
  client_.reconfigure(std::move(*settings));
  return {};
}

void OpenRouterProvider::set_model(std::string model) {
  OpenRouterSettings next = client_.settings();
  next.model_name = std::move(model);
  client_.reconfigure(std::move(next));
}

void OpenRouterProvider::set_api_base(std::string api_base) {
  OpenRouterSettings next = client_.settings();
  next.custom_api_base = std::move(api_base);
  client_.reconfigure(std::move(next));
}

namespace {

Status check(const ProviderConfig& config) {
  auto settings = openrouter_settings_from_provider_config(config);
  if (!settings) return settings.error();
  return {};
}

Result<std::unique_ptr<Provider>> create(const ProviderDeps& deps, const ProviderConfig& config) {
  auto settings = openrouter_settings_from_provider_config(config);
  if (!settings) return settings.error();
  return std::unique_ptr<Provider>(
      std::make_unique<OpenRouterProvider>(deps, config.name, std::move(*settings)));
}

}  // namespace

const ProviderType& openrouter_provider_type() {
  static const ProviderType type{"openrouter", &check, &create};
  return type;
}

}  // namespace picbot::image
