#include "plugins/gemini_pic_gen/provider/openrouter_response.h"

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

namespace picbot::gemini {
namespace {

using llm::FailureClass;
using llm::ProviderError;
namespace bj = boost::json;

constexpr std::size_t kModelTextChars = 120;

ProviderError bad_response(std::string message) {
  return ProviderError{FailureClass::kBadResponse, 0, std::move(message), std::nullopt};
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
}

std::string hex_prefix(std::string_view bytes, std::size_t count) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < std::min(count, bytes.size()); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string_view format_name(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kWebp:
      return "WEBP";
  }
  return "?";
}

// The completeness check behind verify_image: a cut-off download or a
// truncated base64 string that still decodes must not pass as an image.
bool is_complete(std::string_view bytes, ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng: {
      static constexpr std::string_view kIend("\0\0\0\0IEND\xAE\x42\x60\x82", 12);
      return bytes.size() >= 8 + kIend.size() && bytes.substr(bytes.size() - kIend.size()) == kIend;
    }
    case ImageFormat::kJpeg: {
      // Some encoders pad after the end-of-image marker.
      std::string_view trimmed = bytes;
      while (!trimmed.empty() &&
             (trimmed.back() == '\0' || std::isspace(static_cast<unsigned char>(trimmed.back())))) {
        trimmed.remove_suffix(1);
      }
      return trimmed.size() >= 4 && trimmed.substr(trimmed.size() - 2) == "\xFF\xD9";
    }
    case ImageFormat::kWebp: {
      std::uint32_t riff_size = 0;
      for (int i = 3; i >= 0; --i) riff_size = (riff_size << 8) | static_cast<unsigned char>(bytes[4 + i]);
      return riff_size >= 4 && std::uint64_t{riff_size} + 8 <= bytes.size();
    }
  }
  return false;
}

Result<GeneratedImage, ProviderError> decode_base64_image(std::string_view payload,
                                                          std::optional<ImageFormat> declared) {
  auto decoded = onebot::base64_decode(payload);
  if (!decoded.ok()) {
    const bool only_base64 = std::all_of(payload.begin(), payload.end(), [](char c) {
      return is_base64_char(c) || std::isspace(static_cast<unsigned char>(c));
    });
    if (only_base64) {
      const auto significant =
          std::count_if(payload.begin(), payload.end(), [](char c) { return is_base64_char(c); });
      if (significant % 4 != 0) {
        return bad_response("truncated base64 image data: " + std::to_string(significant) +
                            " characters, not a multiple of 4");
      }
    }
    return bad_response("invalid base64 image data: " + decoded.error().message);
  }
  auto format = verify_image(*decoded, declared);
  if (!format.ok()) return format.error();
  GeneratedImage image;
  image.bytes = std::move(decoded).value();
  image.mime = std::string(image_mime(*format));
  image.extension = std::string(image_extension(*format));
  return image;
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

std::string_view image_mime(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "image/png";
    case ImageFormat::kJpeg:
      return "image/jpeg";
    case ImageFormat::kWebp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view image_extension(ImageFormat format) {
  switch (format) {
    case ImageFormat::kPng:
      return "png";
    case ImageFormat::kJpeg:
      return "jpg";
    case ImageFormat::kWebp:
      return "webp";
  }
  return "bin";
}

std::optional<ImageFormat> sniff_image_format(std::string_view bytes) {
  if (bytes.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8)) return ImageFormat::kPng;
  if (bytes.substr(0, 3) == "\xFF\xD8\xFF") return ImageFormat::kJpeg;
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    return ImageFormat::kWebp;
  }
  return std::nullopt;
}

std::optional<ImageFormat> format_from_mime(std::string_view mime) {
  const std::string type = to_lower(mime);
  if (type == "image/png") return ImageFormat::kPng;
  if (type == "image/jpeg" || type == "image/jpg") return ImageFormat::kJpeg;
  if (type == "image/webp") return ImageFormat::kWebp;
  return std::nullopt;
}

Result<ImageFormat, ProviderError> verify_image(std::string_view bytes, std::optional<ImageFormat> declared) {
  const auto format = sniff_image_format(bytes);
  if (!format) {
    return bad_response("the image data is not PNG, JPEG or WEBP (" + std::to_string(bytes.size()) +
                        " bytes starting " + hex_prefix(bytes, 8) + ")");
  }
  if (declared && *declared != *format) {
    return bad_response("the image was declared " + std::string(image_mime(*declared)) + " but the data is " +
                        std::string(format_name(*format)));
  }
  if (!is_complete(bytes, *format)) {
    return bad_response("the " + std::string(format_name(*format)) + " image is truncated (" +
                        std::to_string(bytes.size()) + " bytes)");
  }
  return *format;
}

Result<GeneratedImage, ProviderError> decode_data_url(std::string_view url) {
  if (!starts_with_ci(url, "data:")) return bad_response("not a data URL");
  const std::size_t comma = url.find(',');
  if (comma == std::string_view::npos) return bad_response("data URL without data");
  const std::string header = to_lower(url.substr(5, comma - 5));
  const std::size_t semicolon = header.find(';');
  const std::string mime = header.substr(0, semicolon);
  if (semicolon == std::string::npos || header.find(";base64", semicolon) == std::string::npos) {
    return bad_response("data URL is not base64-encoded");
  }
  const auto declared = format_from_mime(mime);
  if (!declared) {
    return bad_response("unsupported image type in data URL: " + llm::sanitize_message(mime, 40));
  }
  return decode_base64_image(url.substr(comma + 1), declared);
}

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
      if (starts_with_ci(candidate.value, "http://") || starts_with_ci(candidate.value, "https://")) {
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

}  // namespace picbot::gemini
