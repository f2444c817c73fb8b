#include "image/providers/gemini/gemini_provider.h"

#include <array>
#include <optional>

#include "bot/core/json_limits.h"
#include "bot/core/text.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "image/answer_json.h"
#include "image/download.h"
#include "image/format.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

constexpr std::size_t kMaxReferences = 14;

// finishReasons of an answer withheld by Google's filters (python-genai types.py FinishReason).
constexpr std::array<std::string_view, 11> kBlockedFinishReasons = {"SAFETY",
                                                                    "RECITATION",
                                                                    "BLOCKLIST",
                                                                    "PROHIBITED_CONTENT",
                                                                    "SPII",
                                                                    "IMAGE_SAFETY",
                                                                    "IMAGE_OTHER",
                                                                    "IMAGE_PROHIBITED_CONTENT",
                                                                    "IMAGE_RECITATION",
                                                                    "NO_IMAGE",
                                                                    "OTHER"};

ProviderError filtered(int status, std::string message) {
  return ProviderError{FailureClass::kContentFiltered, status, llm::sanitize_message(message, 120),
                       std::nullopt};
}

// The member of that type, or nullptr; never copies (the image's base64 is megabytes).
const json* member_of(const json& object, const char* key, json::value_t type) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it != object.end() && it->type() == type ? &*it : nullptr;
}

}  // namespace

std::string gemini_generate_url(std::string_view api_base, std::string_view model) {
  return versioned_url(api_base, kGeminiApiBase, "/v1beta",
                       "models/" + std::string(model) + ":generateContent");
}

Result<GeneratedImage, ProviderError> parse_gemini_answer(std::string_view body, int status) {
  auto parsed = parse_answer_json(body);
  if (!parsed.ok() || !parsed->is_object()) {
    return ProviderError{FailureClass::kBadResponse, status,
                         "malformed JSON in the response (" + std::to_string(body.size()) + " bytes)",
                         std::nullopt};
  }
  const json& root = *parsed;
  if (auto failure = llm::error_in_body(root, status)) return *failure;
  const json* candidates = member_of(root, "candidates", json::value_t::array);
  if (candidates == nullptr || candidates->empty() || !(*candidates)[0].is_object()) {
    const json feedback = root.value("promptFeedback", json::object());
    const std::string reason = feedback.is_object() ? string_at(feedback, "blockReason") : "";
    if (!reason.empty()) return filtered(status, "");
    return ProviderError{FailureClass::kBadResponse, status, "the response has no candidates", std::nullopt};
  }
  const json& candidate = (*candidates)[0];
  std::string text;
  std::optional<GeneratedImage> image;
  std::optional<ProviderError> first_error;
  const json* content = member_of(candidate, "content", json::value_t::object);
  const json* parts = content ? member_of(*content, "parts", json::value_t::array) : nullptr;
  static const json kNoParts = json::array();
  for (const json& part : parts ? *parts : kNoParts) {
    if (!part.is_object()) continue;
    if (part.contains("text") && part["text"].is_string() && !part.value("thought", false)) {
      if (!text.empty()) text += "\n";
      text += part["text"].get<std::string>();
    }
    const json* inline_data = part.contains("inlineData")    ? &part["inlineData"]
                              : part.contains("inline_data") ? &part["inline_data"]
                                                             : nullptr;
    if (image || inline_data == nullptr || !inline_data->is_object()) continue;
    std::string mime = string_at(*inline_data, "mimeType");
    if (mime.empty()) mime = string_at(*inline_data, "mime_type");
    const json* data = member_of(*inline_data, "data", json::value_t::string);
    auto decoded = decode_base64_image(data ? std::string_view(data->get_ref<const std::string&>()) : "",
                                       format_from_mime(mime));
    if (decoded.ok()) {
      image = std::move(decoded).value();
    } else if (!first_error) {
      first_error = decoded.error();
    }
  }
  if (image) {
    image->model_text = std::move(text);
    return std::move(*image);
  }
  if (first_error) return *first_error;
  const std::string finish = string_at(candidate, "finishReason");
  if (std::find(kBlockedFinishReasons.begin(), kBlockedFinishReasons.end(), finish) !=
      kBlockedFinishReasons.end()) {
    return filtered(status, text);
  }
  // A text-only answer is the model declining to draw.
  if (!text.empty()) return filtered(status, text);
  return ProviderError{FailureClass::kBadResponse, status,
                       "no image in the response" + (finish.empty() ? "" : " (finishReason " + finish + ")"),
                       std::nullopt};
}

namespace {

// Google answers a bad key with 400 INVALID_ARGUMENT, not 401: the
// google.rpc.ErrorInfo detail's reason API_KEY_INVALID tells it apart (as
// seen in public client reports of the Gemini API; the docs list no shape).
std::optional<ProviderError> invalid_key(int status, std::string_view body) {
  if (status != 400) return std::nullopt;
  auto parsed = parse_json(body);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const json error = parsed->value("error", json::object());
  const json details = error.is_object() ? error.value("details", json::array()) : json::array();
  if (!details.is_array()) return std::nullopt;
  for (const json& detail : details) {
    if (detail.is_object() && string_at(detail, "reason") == "API_KEY_INVALID") {
      return ProviderError{FailureClass::kInvalidKey, status,
                           llm::sanitize_message(string_at(error, "message"), 120), std::nullopt};
    }
  }
  return std::nullopt;
}

Result<UpstreamImage, ProviderError> parse_upstream(std::string_view body, int status) {
  auto image = parse_gemini_answer(body, status);
  if (!image.ok()) return image.error();
  return UpstreamImage{std::move(image).value(), ""};
}

}  // namespace

GeminiProvider::GeminiProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings)
    : KeyedProvider(deps, std::move(name), std::move(settings), std::string(kGeminiApiBase),
                    std::string(kGeminiModel)) {}

namespace {

// The dumped body with each reference's base64 encoded straight into its
// "inline_data":{"data":"<index>" slot (nlohmann sorts keys: data before
// mime_type), in order, freeing the reference's bytes: a 2 MB
// image is never held as a json string nor scanned by the serializer (base64
// needs no escaping), which halves the memory and CPU of building the body.
// Only the serializer's own structure (unescaped quotes) can match: inside a
// string value a quote is always written as \".
std::string splice_inline_data(const std::string& dumped, std::vector<ReferenceImage>& references) {
  std::size_t encoded = 0;
  for (const ReferenceImage& reference : references) encoded += (reference.bytes.size() + 2) / 3 * 4;
  std::string out;
  out.reserve(dumped.size() + encoded);
  std::size_t from = 0;
  for (std::size_t i = 0; i < references.size(); ++i) {
    const std::string slot = "\"inline_data\":{\"data\":\"" + std::to_string(i) + "\"";
    const std::size_t at = dumped.find(slot, from);
    if (at == std::string::npos) break;
    const std::size_t value = at + slot.size() - 1 - std::to_string(i).size();
    out.append(dumped, from, value - from);
    onebot::base64_encode_append(references[i].bytes, out);
    references[i].bytes = std::string();
    from = value + std::to_string(i).size();
  }
  out.append(dumped, from);
  return out;
}

}  // namespace

Capabilities GeminiProvider::capabilities() const {
  return {.image_to_image = true,
          .max_references = kMaxReferences,
          .size_form = Capabilities::SizeForm::kAspectRatio};
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> GeminiProvider::generate(ImageRequest request) {
  auto started = start(request, kMaxReferences);
  if (!started.ok()) co_return started.error();
  Prepared call = std::move(started->call);
  const std::optional<SizeWish>& wish = started->wish;
  const InstanceSettings& settings = *call.settings;
  std::optional<std::string> aspect_ratio;
  if (wish) aspect_ratio = std::string(to_aspect_ratio(*wish));
  json parts = json::array({{{"text", std::move(request.prompt)}}});
  for (std::size_t i = 0; i < request.references.size(); ++i) {
    const auto format = sniff_image_format(request.references[i].bytes);
    if (!format) {
      co_return refused_reference(i);
    }
    parts.push_back({{"inline_data", {{"mime_type", image_mime(*format)}, {"data", std::to_string(i)}}}});
  }
  json body = {{"contents", json::array({{{"role", "user"}, {"parts", std::move(parts)}}})},
               {"generationConfig", {{"responseModalities", {"TEXT", "IMAGE"}}}}};
  if (aspect_ratio) body["generationConfig"]["imageConfig"] = {{"aspectRatio", *aspect_ratio}};
  for (const auto& [key, value] : settings.extra.items()) body[key] = value;
  call.url = gemini_generate_url(settings.api_base, call.model);
  call.content_type = "application/json";
  call.body = splice_inline_data(body.dump(), request.references);
  co_return co_await send(std::move(call), WireFormat{"x-goog-api-key", "", &parse_upstream, &invalid_key});
}

const ProviderType& gemini_provider_type() { return keyed_provider_type<GeminiProvider>(); }

}  // namespace picbot::image
