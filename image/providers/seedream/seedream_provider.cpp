#include "image/providers/seedream/seedream_provider.h"

#include "bot/core/json_limits.h"
#include "bot/core/text.h"
#include "image/answer_json.h"
#include "image/download.h"
#include "image/format.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

// 4.5 and later take up to 14 references, 4.0 up to 10 (more: a 400).
constexpr std::size_t kMaxReferences = 14;
constexpr std::size_t kMaxReferences40 = 10;
constexpr std::int64_t kMinPixels40 = 1280LL * 720;   // doubao-seedream-4-0-*
constexpr std::int64_t kMinPixels45 = 2560LL * 1440;  // 4.5 and later

ProviderError bad_response(int status, std::string message) {
  return ProviderError{FailureClass::kBadResponse, status, std::move(message), std::nullopt};
}

// Input/Output{Text,Image}SensitiveContentDetected (and the .PolicyViolation
// variants Ark appends): the moderation refused the prompt, a reference or
// the result.
bool is_four_zero(std::string_view model) { return model.rfind("doubao-seedream-4-0", 0) == 0; }

bool is_sensitive_code(std::string_view code) {
  return code.find("SensitiveContentDetected") != std::string_view::npos;
}

// Ark's error object {"code","message"} as a failure: the content-filter
// class for a moderation code, else `otherwise`. A moderation refusal keeps
// no message: Ark's English boilerplate is not the model's words, so the user
// is told the model declined (content_filtered_silent).
ProviderError ark_error(const json& error, int status, FailureClass otherwise) {
  const std::string code = string_at(error, "code");
  if (is_sensitive_code(code)) {
    return ProviderError{FailureClass::kContentFiltered, status, "", std::nullopt};
  }
  std::string message = string_at(error, "message");
  if (message.empty()) message = code.empty() ? "error in the response" : code;
  return ProviderError{otherwise, status, llm::sanitize_message(message, 120), std::nullopt};
}

// A non-2xx answer: only the moderation codes need Ark's own reading; the
// generic one handles 400 InvalidParameter, 401 AuthenticationError, 403,
// 404 InvalidEndpointOrModel, 429 (with Retry-After) and 5xx.
std::optional<ProviderError> moderation_refusal(int status, std::string_view body) {
  if (status < 400 || status > 499 || status == 429) return std::nullopt;
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const json error = parsed->value("error", json());
  if (!error.is_object() || !is_sensitive_code(string_at(error, "code"))) return std::nullopt;
  return ark_error(error, status, FailureClass::kContentFiltered);
}

}  // namespace

std::string seedream_generations_url(std::string_view api_base) {
  return versioned_url(api_base, kSeedreamApiBase, "/api/v3", "images/generations");
}

std::int64_t seedream_min_pixels(std::string_view model) {
  return is_four_zero(model) ? kMinPixels40 : kMinPixels45;
}

// volcenginesdkarkruntime types/images/images.py: ImagesResponse {model,
// created, data: [{url | b64_json, size}], usage, error}.
Result<UpstreamImage, ProviderError> parse_seedream_answer(std::string_view body, int status) {
  auto parsed = parse_answer_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response(status, "malformed JSON in the response (" + std::to_string(body.size()) + " bytes)");
  }
  const json& root = *parsed;
  const auto top_error = root.find("error");
  if (top_error != root.end() && top_error->is_object()) {
    return ark_error(*top_error, status, FailureClass::kTransient);
  }
  const auto data = root.find("data");
  if (data == root.end() || !data->is_array() || data->empty()) {
    return bad_response(status, "no image in the response");
  }
  std::optional<ProviderError> item_error;
  for (const json& item : *data) {
    if (!item.is_object()) continue;
    const auto b64 = item.find("b64_json");  // read in place: megabytes of base64
    if (b64 != item.end() && b64->is_string() && !b64->get_ref<const std::string&>().empty()) {
      auto image = decode_base64_image(b64->get_ref<const std::string&>(), std::nullopt);
      if (!image.ok()) return image.error();
      return UpstreamImage{std::move(image).value(), ""};
    }
    const std::string url = string_at(item, "url");
    if (!url.empty()) {
      if (!is_http_url(url)) {
        return bad_response(status, "unsupported image URL: " + llm::sanitize_message(url, 60));
      }
      return UpstreamImage{GeneratedImage{}, url};
    }
    const auto error = item.find("error");
    if (!item_error && error != item.end() && error->is_object()) {
      item_error = ark_error(*error, status, FailureClass::kTransient);
    }
  }
  if (item_error) return *item_error;
  return bad_response(status, "the response's data has neither url nor b64_json");
}

SeedreamProvider::SeedreamProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings)
    : KeyedProvider(deps, std::move(name), std::move(settings), std::string(kSeedreamApiBase),
                    std::string(kSeedreamModel)) {}

Capabilities SeedreamProvider::capabilities() const {
  return {.image_to_image = true,
          .max_references = kMaxReferences,
          .size_form = Capabilities::SizeForm::kMinPixels};
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> SeedreamProvider::generate(ImageRequest request) {
  auto started = start(request, kMaxReferences);
  if (!started.ok()) co_return started.error();
  Prepared call = std::move(started->call);
  const std::optional<SizeWish>& wish = started->wish;
  const InstanceSettings& settings = *call.settings;
  if (is_four_zero(call.model) && request.references.size() > kMaxReferences40) {
    co_return refused_request(call.model + " takes at most " + std::to_string(kMaxReferences40) +
                              " reference images");
  }
  json body = {{"model", call.model},
               {"prompt", std::move(request.prompt)},
               {"response_format", "url"},
               {"sequential_image_generation", "disabled"}};
  if (wish) body["size"] = to_seedream_size(*wish, seedream_min_pixels(call.model));
  if (!request.references.empty()) {
    json images = json::array();
    for (std::size_t i = 0; i < request.references.size(); ++i) {
      // Ark wants the format in lower case: data:image/<fmt>;base64,...
      auto url = image_data_url(request.references[i].bytes);
      if (!url) co_return refused_reference(i);
      images.push_back(std::move(*url));
      request.references[i].bytes = std::string();
    }
    body["image"] = std::move(images);
  }
  for (const auto& [key, value] : settings.extra.items()) body[key] = value;
  call.url = seedream_generations_url(settings.api_base);
  call.content_type = "application/json";
  call.body = body.dump();
  co_return co_await send(
      std::move(call), WireFormat{"Authorization", "Bearer ", &parse_seedream_answer, &moderation_refusal});
}

const ProviderType& seedream_provider_type() { return keyed_provider_type<SeedreamProvider>(); }

}  // namespace picbot::image
