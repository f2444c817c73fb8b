#include "image/providers/openrouter/openrouter_response.h"

#include <algorithm>
#include <array>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <cstdint>
#include <vector>

#include "bot/core/json_limits.h"
#include "bot/core/text.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/json_view.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;
namespace bj = boost::json;

constexpr std::size_t kModelTextChars = 120;

ProviderError bad_response(std::string message) {
  return ProviderError{FailureClass::kBadResponse, 0, std::move(message), std::nullopt};
}

const bj::value* member(const bj::value& object, const char* key) {
  const bj::value* value = onebot::find_field(object, key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

const bj::string* string_member(const bj::value& object, const char* key) {
  const bj::value* value = member(object, key);
  return value ? value->if_string() : nullptr;
}

std::string_view view(const bj::string& text) { return {text.data(), text.size()}; }

struct Candidate {
  enum class Kind { kDataUrl, kBase64, kUrl };
  Kind kind;
  std::string_view value;
};

void append_text(std::string& text, std::string_view more) {
  while (!more.empty() && std::isspace(static_cast<unsigned char>(more.front()))) more.remove_prefix(1);
  while (!more.empty() && std::isspace(static_cast<unsigned char>(more.back()))) more.remove_suffix(1);
  if (more.empty()) return;
  if (!text.empty()) text.push_back('\n');
  text.append(more);
}

// Splits text into the data URLs it holds (markdown "![alt](data:...)" or bare)
// and the remaining prose.
void scan_text(std::string_view text, std::vector<Candidate>& candidates, std::string& prose) {
  static constexpr std::string_view kDataImage = "data:image/";
  static constexpr std::string_view kBase64Marker = ";base64,";
  std::string kept;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = text.find(kDataImage, pos);
    if (start == std::string_view::npos) break;
    const std::size_t marker = text.find(kBase64Marker, start);
    const bool plausible_header = marker != std::string_view::npos && marker - start < 48;
    if (!plausible_header) {
      kept.append(text.substr(pos, start + kDataImage.size() - pos));
      pos = start + kDataImage.size();
      continue;
    }
    std::size_t end = marker + kBase64Marker.size();
    while (end < text.size() && is_base64_char(text[end])) ++end;
    candidates.push_back({Candidate::Kind::kDataUrl, text.substr(start, end - start)});
    std::string_view before = text.substr(pos, start - pos);
    const std::size_t alt = before.rfind("![");
    if (!before.empty() && before.back() == '(' && alt != std::string_view::npos && end < text.size() &&
        text[end] == ')') {
      before = before.substr(0, alt);
      ++end;
    }
    kept.append(before);
    pos = end;
  }
  kept.append(text.substr(std::min(pos, text.size())));
  append_text(prose, kept);
}

void collect_image_url(const bj::value& part, std::vector<Candidate>& candidates) {
  const bj::value* image_url = member(part, "image_url");
  const bj::string* url = nullptr;
  if (image_url && image_url->is_string()) {
    url = image_url->if_string();
  } else if (image_url) {
    url = string_member(*image_url, "url");
  } else {
    url = string_member(part, "url");
  }
  if (!url) return;
  const bool inline_data = starts_with_ci(view(*url), "data:");
  candidates.push_back({inline_data ? Candidate::Kind::kDataUrl : Candidate::Kind::kUrl, view(*url)});
}

bool is_filtered(const bj::value& choice) {
  const bj::string* finish = string_member(choice, "finish_reason");
  if (finish && *finish == "content_filter") return true;
  const bj::string* native = string_member(choice, "native_finish_reason");
  if (!native) return false;
  const std::string reason = to_lower(view(*native));
  return reason.find("safety") != std::string::npos || reason.find("prohibited") != std::string::npos ||
         reason.find("blocklist") != std::string::npos;
}

}  // namespace

Result<ParsedImageResponse, ProviderError> parse_image_response(std::string_view body, int http_status) {
  // One arena per body: the ~3 MB image string is copied into it once,
  // instead of growing a std::string character by character.
  bj::monotonic_resource arena;
  std::error_code parse_error;
  const bj::value root = bj::parse(body, parse_error, &arena, bounded_json_options());
  if (parse_error == bj::error::too_deep) {
    return bad_response("malformed JSON in the response: nested deeper than " +
                        std::to_string(kMaxJsonDepth) + " levels");
  }
  if (parse_error || !root.is_object()) {
    return bad_response("malformed JSON in the response (" + std::to_string(body.size()) +
                        " bytes): " + llm::sanitize_message(body, 80));
  }
  if (const bj::value* error = onebot::find_field(root, "error")) {
    // error_in_body reads only the error object; convert just that.
    const nlohmann::json error_only = {{"error", onebot::to_nlohmann(*error)}};
    if (auto failure = llm::error_in_body(error_only, http_status)) return *failure;
  }

  std::vector<Candidate> candidates;
  std::string text;
  const bj::value* choice = nullptr;
  if (const bj::value* choices = member(root, "choices"); choices && choices->is_array()) {
    if (!choices->get_array().empty()) choice = &choices->get_array()[0];
  }
  const bj::value* message = choice ? member(*choice, "message") : nullptr;
  if (message) {
    if (const bj::value* images = member(*message, "images"); images && images->is_array()) {
      for (const bj::value& image : images->get_array()) collect_image_url(image, candidates);
    }
    if (const bj::value* content = member(*message, "content"); content && content->is_string()) {
      scan_text(view(content->get_string()), candidates, text);
    } else if (content && content->is_array()) {
      for (const bj::value& part : content->get_array()) {
        const bj::string* type = string_member(part, "type");
        const bj::string* part_text = string_member(part, "text");
        if (type && *type == "image_url") {
          collect_image_url(part, candidates);
        } else if (part_text) {
          scan_text(view(*part_text), candidates, text);
        }
      }
    }
    if (const bj::string* refusal = string_member(*message, "refusal")) append_text(text, view(*refusal));
  }
  const bj::value* data = member(root, "data");
  if (data && data->is_array()) {
    for (const bj::value& item : data->get_array()) {
      if (const bj::string* b64 = string_member(item, "b64_json")) {
        candidates.push_back({Candidate::Kind::kBase64, view(*b64)});
      }
    }
    for (const bj::value& item : data->get_array()) {
      if (member(item, "url")) collect_image_url(item, candidates);
    }
  }

  std::optional<ProviderError> first_error;
  for (const Candidate& candidate : candidates) {
    ParsedImageResponse parsed;
    if (candidate.kind == Candidate::Kind::kUrl) {
      if (is_http_url(candidate.value)) {
        parsed.download_url = std::string(candidate.value);
        parsed.image.model_text = std::move(text);
        return parsed;
      }
      if (!first_error) {
        first_error = bad_response("unsupported image URL: " + llm::sanitize_message(candidate.value, 60));
      }
      continue;
    }
    auto image = candidate.kind == Candidate::Kind::kDataUrl
                     ? decode_data_url(candidate.value)
                     : decode_base64_image(candidate.value, std::nullopt);
    if (image.ok()) {
      parsed.image = std::move(image).value();
      parsed.image.model_text = std::move(text);
      return parsed;
    }
    if (!first_error) first_error = image.error();
  }
  if (first_error) return *first_error;

  if (choice && is_filtered(*choice)) {
    return ProviderError{FailureClass::kContentFiltered, http_status,
                         text.empty() ? "the provider's content filter blocked the image"
                                      : llm::sanitize_message(text, kModelTextChars),
                         std::nullopt};
  }
  if (!text.empty()) {
    return ProviderError{FailureClass::kContentFiltered, http_status,
                         llm::sanitize_message(text, kModelTextChars), std::nullopt};
  }
  if (!choice && !data) return bad_response("the response has neither choices nor data");
  const bj::string* finish = choice ? string_member(*choice, "finish_reason") : nullptr;
  return bad_response("no image in the response" +
                      (finish ? " (finish_reason " + std::string(view(*finish)) + ")" : std::string()));
}

}  // namespace picbot::image
