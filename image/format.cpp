#include "image/format.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bot/core/text.h"
#include "bot/llm/provider_error.h"
#include "bot/onebot/base64.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;

ProviderError bad_response(std::string message) {
  return ProviderError{FailureClass::kBadResponse, 0, std::move(message), std::nullopt};
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

double shape_of(const SizeWish& wish) { return static_cast<double>(wish.width) / wish.height; }

// How far apart two shapes are: ratios compare on a log scale, so 2:1 and
// 1:2 are as far from 1:1.
double shape_distance(double a, double b) { return std::abs(std::log(a / b)); }

int round_up_to(double value, int multiple) {
  return static_cast<int>(std::ceil(value / multiple)) * multiple;
}

std::optional<int> parse_positive(std::string_view text, int max) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > max) return std::nullopt;
  return value;
}

}  // namespace

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

bool is_supported_aspect_ratio(std::string_view ratio) {
  return std::find(kAspectRatios.begin(), kAspectRatios.end(), ratio) != kAspectRatios.end();
}

Result<SizeWish> parse_size_wish(std::string_view text) {
  const std::string lowered = to_lower(trim(text));
  const std::string_view wish_text = lowered;
  const bool is_ratio = wish_text.find(':') != std::string_view::npos;
  const std::size_t split = wish_text.find_first_of(is_ratio ? ":" : "x*");
  if (split != std::string_view::npos) {
    const int max = is_ratio ? 100 : 16384;
    const auto width = parse_positive(wish_text.substr(0, split), max);
    const auto height = parse_positive(wish_text.substr(split + 1), max);
    if (width && height) return SizeWish{*width, *height, is_ratio};
  }
  return Error::make("bad_size",
                     "not an aspect ratio (16:9) or a size (1024x1024): " + llm::sanitize_message(text, 20));
}

std::string_view to_aspect_ratio(const SizeWish& wish) {
  std::string_view best = kAspectRatios.front();
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::string_view ratio : kAspectRatios) {
    const auto parsed = parse_size_wish(ratio);
    const double distance = shape_distance(shape_of(*parsed), shape_of(wish));
    if (distance < best_distance) {
      best = ratio;
      best_distance = distance;
    }
  }
  return best;
}

std::string to_openai_size(const SizeWish& wish, OpenAiSizeRule rule) {
  static constexpr std::array<std::string_view, 3> kDallE3 = {"1024x1024", "1792x1024", "1024x1792"};
  static constexpr std::array<std::string_view, 3> kGptImage = {"1024x1024", "1536x1024", "1024x1536"};
  const auto& sizes = rule == OpenAiSizeRule::kDallE3 ? kDallE3 : kGptImage;
  std::string_view best = sizes.front();
  double best_distance = std::numeric_limits<double>::infinity();
  for (std::string_view size : sizes) {
    const double distance = shape_distance(shape_of(*parse_size_wish(size)), shape_of(wish));
    if (distance < best_distance) {
      best = size;
      best_distance = distance;
    }
  }
  return std::string(best);
}

std::string to_seedream_size(const SizeWish& wish, std::int64_t min_pixels) {
  int width = wish.width;
  int height = wish.height;
  if (wish.is_ratio || std::int64_t{width} * height < min_pixels) {
    // The smallest size of this shape with min_pixels: w * h = min, w / h = shape.
    const double shape = shape_of(wish);
    const double exact_height = std::sqrt(static_cast<double>(min_pixels) / shape);
    height = round_up_to(exact_height, 8);
    width = round_up_to(exact_height * shape, 8);
  }
  return std::to_string(width) + "x" + std::to_string(height);
}

bool is_http_url(std::string_view text) {
  return starts_with_ci(text, "http://") || starts_with_ci(text, "https://");
}

std::optional<std::string> image_data_url(std::string_view bytes) {
  const auto format = sniff_image_format(bytes);
  if (!format) return std::nullopt;
  return "data:" + std::string(image_mime(*format)) + ";base64," + onebot::base64_encode(bytes);
}

namespace {

// Sides within [min_side, max_side], multiples of 16; a ratio gets about
// 1024*1024 pixels. Written "W<separator>H".
std::string ranged_size(const SizeWish& wish, int min_side, int max_side, char separator) {
  double width = wish.width;
  double height = wish.height;
  if (wish.is_ratio) {
    height = std::sqrt(1024.0 * 1024.0 / shape_of(wish));
    width = height * shape_of(wish);
  }
  const auto side = [&](double value) { return std::clamp(round_up_to(value, 16), min_side, max_side); };
  return std::to_string(side(width)) + separator + std::to_string(side(height));
}

}  // namespace

std::string to_dashscope_size(const SizeWish& wish, int min_side, int max_side) {
  return ranged_size(wish, min_side, max_side, '*');
}

std::string to_modelscope_size(const SizeWish& wish, int min_side, int max_side) {
  return ranged_size(wish, min_side, max_side, 'x');
}

}  // namespace picbot::image
