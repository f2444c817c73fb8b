#include "plugins/image_gateway/openai_requests.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "bot/core/message_table.h"
#include "bot/core/text.h"
#include "bot/onebot/base64.h"
#include "image/format.h"
#include "plugins/image_gateway/openai_errors.h"

namespace picbot::gateway {
using nlohmann::json;

namespace {

web::HttpResponse missing(std::string_view language, std::string_view param) {
  return invalid_request(tr(language, "gateway.error.missing", fmt::arg("param", param)), param);
}

web::HttpResponse invalid(std::string_view language, std::string_view param, std::string_view reason) {
  return invalid_request(
      tr(language, "gateway.error.invalid", fmt::arg("param", param), fmt::arg("reason", reason)), param);
}

web::HttpResponse not_image(std::string_view language, std::string_view param) {
  return invalid_request(tr(language, "gateway.error.not_image", fmt::arg("param", param)), param,
                         "invalid_image");
}

// The shared text fields, each given as text (multipart) or JSON.
struct Fields {
  std::optional<std::string> model, prompt, size, quality, response_format;
  std::optional<std::string> n_text;
  std::optional<long long> n_number;
};

std::optional<web::HttpResponse> apply_fields(const Fields& fields, std::string_view language,
                                              DrawRequest& out) {
  if (!fields.model || trim(*fields.model).empty()) return missing(language, "model");
  out.model = std::string(trim(*fields.model));
  if (!fields.prompt || trim(*fields.prompt).empty()) return missing(language, "prompt");
  out.prompt = *fields.prompt;
  if (out.prompt.size() > kMaxPromptBytes) return invalid(language, "prompt", "longer than 32000 bytes");
  long long n = 1;
  if (fields.n_number) {
    n = *fields.n_number;
  } else if (fields.n_text) {
    const std::string_view text = trim(*fields.n_text);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size())
      return invalid(language, "n", "not an integer");
  }
  if (n < 1 || n > kMaxImagesPerRequest) return invalid(language, "n", "must be between 1 and 4");
  out.n = static_cast<int>(n);
  if (fields.size && *fields.size != "auto" && !fields.size->empty()) {
    if (!image::parse_size_wish(*fields.size))
      return invalid(language, "size", "expected WIDTHxHEIGHT or auto");
    out.size = *fields.size;
  }
  if (fields.quality) {
    static const std::vector<std::string> kQualities = {"auto", "standard", "hd", "low", "medium", "high"};
    if (std::find(kQualities.begin(), kQualities.end(), *fields.quality) == kQualities.end())
      return invalid(language, "quality", "one of auto, standard, hd, low, medium, high");
  }
  if (fields.response_format) {
    if (*fields.response_format != "url" && *fields.response_format != "b64_json")
      return invalid(language, "response_format", "url or b64_json");
    out.response_format = *fields.response_format;
  }
  return std::nullopt;
}

// A JSON string field; an error for any other type.
std::optional<web::HttpResponse> read_string(const json& body, const char* key, std::string_view language,
                                             std::optional<std::string>& out) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return invalid(language, key, "expected a string");
  out = it->get<std::string>();
  return std::nullopt;
}

Result<json, web::HttpResponse> parse_object(std::string_view body, std::string_view language) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    return invalid_request(tr(language, "gateway.error.not_json"), {}, "invalid_json");
  return parsed;
}

Result<Fields, web::HttpResponse> json_fields(const json& body, std::string_view language) {
  Fields fields;
  for (auto [key, slot] : {std::pair{"model", &fields.model}, std::pair{"prompt", &fields.prompt},
                           std::pair{"size", &fields.size}, std::pair{"quality", &fields.quality},
                           std::pair{"response_format", &fields.response_format}}) {
    if (auto refused = read_string(body, key, language, *slot)) return std::move(*refused);
  }
  if (const auto n = body.find("n"); n != body.end() && !n->is_null()) {
    if (!n->is_number_integer()) return invalid(language, "n", "not an integer");
    fields.n_number = n->get<long long>();
  }
  return fields;
}

// bytes as an input image, verified by magic number.
std::optional<web::HttpResponse> take_bytes(std::string bytes, std::string param, std::string_view language,
                                            InputImage& out) {
  const auto format = image::sniff_image_format(bytes);
  if (!format) return not_image(language, param);
  out.param = std::move(param);
  out.image.mime = std::string(image::image_mime(*format));
  out.image.bytes = std::move(bytes);
  return std::nullopt;
}

// A JSON image value: a data URL, bare base64, or an http(s) URL (fetched later).
std::optional<web::HttpResponse> take_json_image(const json& value, std::string param,
                                                 std::string_view language, InputImage& out) {
  if (!value.is_string()) return invalid(language, param, "expected a string (data URL, base64 or URL)");
  const std::string& text = value.get_ref<const std::string&>();
  if (image::is_http_url(text)) {
    out.param = std::move(param);
    out.url = text;
    return std::nullopt;
  }
  if (image::starts_with_ci(text, "data:")) {
    auto decoded = image::decode_data_url(text);
    if (!decoded) return not_image(language, param);
    out.param = std::move(param);
    out.image.mime = decoded->mime;
    out.image.bytes = std::move(decoded->bytes);
    return std::nullopt;
  }
  auto decoded = image::decode_base64_image(text, std::nullopt);
  if (!decoded) return not_image(language, param);
  out.param = std::move(param);
  out.image.mime = decoded->mime;
  out.image.bytes = std::move(decoded->bytes);
  return std::nullopt;
}

// A JSON body's object, with the fields both JSON routes share applied to
// request.
Result<json, web::HttpResponse> parse_json_fields(std::string_view body, std::string_view language,
                                                  DrawRequest& request) {
  auto parsed = parse_object(body, language);
  if (!parsed) return parsed.error();
  auto fields = json_fields(*parsed, language);
  if (!fields) return fields.error();
  if (auto refused = apply_fields(*fields, language, request)) return std::move(*refused);
  return parsed;
}

}  // namespace

Parsed parse_generation(std::string_view body, std::string_view language) {
  DrawRequest request;
  if (auto parsed = parse_json_fields(body, language, request); !parsed) return parsed.error();
  return request;
}

Parsed parse_edit_json(std::string_view body, std::string_view language) {
  DrawRequest request;
  auto parsed = parse_json_fields(body, language, request);
  if (!parsed) return parsed.error();
  const json images = parsed->value("image", json());
  if (images.is_null()) return missing(language, "image");
  const json list = images.is_array() ? images : json::array({images});
  if (list.empty()) return missing(language, "image");
  if (list.size() > kMaxInputImages) return invalid(language, "image", "at most 16 images");
  for (std::size_t i = 0; i < list.size(); ++i) {
    InputImage input;
    const std::string param = images.is_array() ? "image[" + std::to_string(i) + "]" : "image";
    if (auto refused = take_json_image(list[i], param, language, input)) return std::move(*refused);
    request.images.push_back(std::move(input));
  }
  if (const auto mask = parsed->find("mask"); mask != parsed->end() && !mask->is_null()) {
    InputImage input;
    if (auto refused = take_json_image(*mask, "mask", language, input)) return std::move(*refused);
    request.mask = std::move(input);
  }
  return request;
}

Parsed parse_edit_form(const std::vector<web::MultipartPart>& parts, std::string_view language) {
  Fields fields;
  DrawRequest request;
  for (const web::MultipartPart& part : parts) {
    const std::string& name = part.name;
    if (name == "image" || name == "image[]" || (name.starts_with("image[") && name.ends_with("]"))) {
      if (request.images.size() >= kMaxInputImages) return invalid(language, "image", "at most 16 images");
      InputImage input;
      const std::string param = "image[" + std::to_string(request.images.size()) + "]";
      if (auto refused = take_bytes(std::string(part.data), param, language, input))
        return std::move(*refused);
      request.images.push_back(std::move(input));
    } else if (name == "mask") {
      InputImage input;
      if (auto refused = take_bytes(std::string(part.data), "mask", language, input))
        return std::move(*refused);
      request.mask = std::move(input);
    } else if (name == "model") {
      fields.model = std::string(part.data);
    } else if (name == "prompt") {
      fields.prompt = std::string(part.data);
    } else if (name == "size") {
      fields.size = std::string(part.data);
    } else if (name == "quality") {
      fields.quality = std::string(part.data);
    } else if (name == "response_format") {
      fields.response_format = std::string(part.data);
    } else if (name == "n") {
      fields.n_text = std::string(part.data);
    }  // other fields (background, output_format, user, ...) are accepted and not used
  }
  if (auto refused = apply_fields(fields, language, request)) return std::move(*refused);
  if (request.images.empty()) return missing(language, "image");
  return request;
}

}  // namespace picbot::gateway
