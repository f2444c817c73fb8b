#include "image/providers/openrouter/openrouter_provider.h"

#include "bot/llm/api_base.h"
#include "image/cancellable.h"

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
  boost::asio::cancellation_slot cancel = request.cancel;
  request.cancel = {};
  auto finished = co_await run_cancellable(cancel, client_.generate_with_attempts(std::move(request)));
  if (!finished) co_return cancelled_error();
  llm::CallResult<GeneratedImage>& outcome = *finished;
  if (!outcome.result.ok()) co_return std::move(outcome.result.error());
  for (const llm::AttemptRecord& attempt : outcome.attempts) result.upstream_time += attempt.duration;
  result.attempts = std::move(outcome.attempts);
  result.text = outcome.result->model_text;
  result.images.push_back(std::move(outcome.result).value());
  result.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);
  co_return result;
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
