#include "image/providers/openai/openai_provider.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "bot/core/json_limits.h"
#include "bot/core/logging.h"
#include "bot/core/text.h"
#include "bot/core/worker_pool.h"
#include "bot/llm/chat_endpoint.h"
#include "bot/llm/retrying_caller.h"
#include "bot/net/http_client.h"
#include "image/answer_json.h"
#include "image/download.h"
#include "image/format.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

constexpr std::size_t kMaxReferences = 16;

ProviderError bad_response(std::string message) {
  return ProviderError{FailureClass::kBadResponse, 0, std::move(message), std::nullopt};
}

// A refusal by OpenAI's safety system comes as a 400 with one of these codes.
std::optional<ProviderError> content_refusal(int status, std::string_view body) {
  if (status != 400) return std::nullopt;
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object() || !(*parsed)["error"].is_object()) return std::nullopt;
  const json& error = (*parsed)["error"];
  const std::string code = error.value("code", json()).is_string() ? error["code"].get<std::string>() : "";
  if (code != "content_policy_violation" && code != "moderation_blocked") return std::nullopt;
  const std::string message =
      error.value("message", json()).is_string() ? error["message"].get<std::string>() : "";
  return ProviderError{FailureClass::kContentFiltered, status, llm::sanitize_message(message, 120),
                       std::nullopt};
}

std::string form_value(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// A boundary no image is likely to contain; a counter keeps two calls apart.
std::string make_boundary() {
  static std::atomic<unsigned> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  return "----picbot-" + std::to_string(ticks) + "-" + std::to_string(counter++);
}

void append_field(std::string& body, const std::string& boundary, std::string_view name,
                  std::string_view value) {
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + std::string(name) + "\"\r\n\r\n";
  body += value;
  body += "\r\n";
}

}  // namespace

// images_response.py: {"data":[{"b64_json"|"url", "revised_prompt"}]}, one
// entry per image asked for (n).
Result<std::vector<UpstreamImage>, ProviderError> parse_openai_answer(std::string_view body, int status) {
  auto parsed = parse_answer_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return bad_response("malformed JSON in the response (" + std::to_string(body.size()) + " bytes)");
  }
  if (auto failure = llm::error_in_body(*parsed, status)) return *failure;
  const auto found = parsed->find("data");  // not value(): that copies the megabytes of base64
  if (found == parsed->end() || !found->is_array() || found->empty())
    return bad_response("no image in the response");
  const json& data = *found;
  std::vector<UpstreamImage> images;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const json& entry = data[i];
    const std::string where = "the response's data[" + std::to_string(i) + "]";
    if (!entry.is_object()) return bad_response(where + " is not an object");
    UpstreamImage answer;
    if (entry.contains("b64_json") && entry["b64_json"].is_string()) {
      auto image = decode_base64_image(entry["b64_json"].get_ref<const std::string&>(), std::nullopt);
      if (!image.ok()) return image.error();
      answer.image = std::move(image).value();
    } else if (entry.contains("url") && entry["url"].is_string()) {
      answer.url = entry["url"].get<std::string>();
      if (!is_http_url(answer.url)) {
        return bad_response("unsupported image URL: " + llm::sanitize_message(answer.url, 60));
      }
    } else {
      return bad_response(where + " has neither b64_json nor url");
    }
    if (entry.contains("revised_prompt") && entry["revised_prompt"].is_string()) {
      answer.image.model_text = entry["revised_prompt"].get<std::string>();
    }
    images.push_back(std::move(answer));
  }
  return images;
}

std::string openai_images_url(std::string_view api_base, std::string_view operation) {
  return versioned_url(api_base, kOpenAiApiBase, "/v1", "images/" + std::string(operation));
}

OpenAiProvider::OpenAiProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings)
    : KeyedProvider(deps, std::move(name), std::move(settings), std::string(kOpenAiApiBase),
                    std::string(kOpenAiModel)) {}

Capabilities OpenAiProvider::capabilities() const {
  return {.image_to_image = true,
          .max_references = kMaxReferences,
          .size_form = Capabilities::SizeForm::kOpenAiSizes};
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> OpenAiProvider::generate(ImageRequest request) {
  auto started = start(request, kMaxReferences);
  if (!started.ok()) co_return started.error();
  Prepared call = std::move(started->call);
  const std::optional<SizeWish>& wish = started->wish;
  const InstanceSettings& settings = *call.settings;
  const std::string& model = call.model;
  const bool dall_e_3 = model.rfind("dall-e-3", 0) == 0;
  std::optional<std::string> size;
  if (wish) size = to_openai_size(*wish, dall_e_3 ? OpenAiSizeRule::kDallE3 : OpenAiSizeRule::kGptImage);
  const int n = dall_e_3 ? 1 : std::clamp(request.n, 1, 10);

  if (request.references.empty()) {
    json body = {{"model", model}, {"prompt", std::move(request.prompt)}, {"n", n}};
    if (size) body["size"] = *size;
    for (const auto& [key, value] : settings.extra.items()) body[key] = value;
    call.url = openai_images_url(settings.api_base, "generations");
    call.content_type = "application/json";
    call.body = body.dump();
  } else {
    const std::string boundary = make_boundary();
    std::string& body = call.body;
    append_field(body, boundary, "model", model);
    append_field(body, boundary, "prompt", request.prompt);
    append_field(body, boundary, "n", std::to_string(n));
    if (size) append_field(body, boundary, "size", *size);
    for (const auto& [key, value] : settings.extra.items())
      append_field(body, boundary, key, form_value(value));
    for (std::size_t i = 0; i < request.references.size(); ++i) {
      ReferenceImage& reference = request.references[i];
      const auto format = sniff_image_format(reference.bytes);
      if (!format) {
        co_return refused_reference(i);
      }
      body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"image[]\"; filename=\"image" +
              std::to_string(i + 1) + "." + std::string(image_extension(*format)) +
              "\"\r\nContent-Type: " + std::string(image_mime(*format)) + "\r\n\r\n";
      body += reference.bytes;
      body += "\r\n";
      reference.bytes = std::string();
    }
    body += "--" + boundary + "--\r\n";
    call.url = openai_images_url(settings.api_base, "edits");
    call.content_type = "multipart/form-data; boundary=" + boundary;
  }
  co_return co_await send(std::move(call), WireFormat{"Authorization", "Bearer ", nullptr, &content_refusal,
                                                      &parse_openai_answer});
}

const ProviderType& openai_provider_type() { return keyed_provider_type<OpenAiProvider>(); }

}  // namespace picbot::image
