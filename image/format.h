// Image formats and sizes, the same for every provider: MIME sniffing by
// magic bytes, verification and decoding of returned images, the one list of
// aspect ratios (command, tool schema, console), and the size mapper from
// what a user asks ("16:9", "1024x1024") to each provider's own form.
// Pure functions: no I/O, safe to fuzz.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/llm/provider_error.h"
#include "image/generated_image.h"

namespace picbot::image {

enum class ImageFormat { kPng, kJpeg, kWebp };

std::string_view image_mime(ImageFormat format);       // "image/png", "image/jpeg", "image/webp"
std::string_view image_extension(ImageFormat format);  // "png", "jpg", "webp"

// The format given by the magic number (PNG 89 50 4E 47, JPEG FF D8 FF,
// WEBP "RIFF....WEBP"), or nullopt for anything else.
std::optional<ImageFormat> sniff_image_format(std::string_view bytes);

// The format named by a MIME type ("image/png", "image/jpg", "IMAGE/JPEG"), or
// nullopt for any other type.
std::optional<ImageFormat> format_from_mime(std::string_view mime);

// Checks that bytes are a complete PNG, JPEG or WEBP (magic number, and the
// end marker / RIFF length, so a cut-off image is caught) and, when declared
// is set, of that format. Returns the format, or kBadResponse saying why.
Result<ImageFormat, llm::ProviderError> verify_image(std::string_view bytes,
                                                     std::optional<ImageFormat> declared = std::nullopt);

// Decodes base64 image data and verifies the image (see verify_image).
// kBadResponse for truncated base64 ("truncated base64 ..."), characters
// outside the alphabet, or bytes that are not an image (of type declared).
Result<GeneratedImage, llm::ProviderError> decode_base64_image(std::string_view payload,
                                                               std::optional<ImageFormat> declared);

// Decodes "data:image/<type>;base64,<data>" in one pass and verifies the image.
// kBadResponse for other schemes or types, non-base64 data URLs, and what
// decode_base64_image reports.
Result<GeneratedImage, llm::ProviderError> decode_data_url(std::string_view url);

// "data:image/<type>;base64,<data>" of bytes, the type from their magic
// number; nullopt when they are not a PNG, JPEG or WEBP image.
std::optional<std::string> image_data_url(std::string_view bytes);

// Small text helpers of the parsers above.
bool starts_with_ci(std::string_view text, std::string_view prefix);  // ASCII case-insensitive
bool is_http_url(std::string_view text);  // starts with http:// or https://, any case
bool is_base64_char(char c);              // A-Z a-z 0-9 + / =

// The aspect ratios a drawing may ask for: the one list behind the /draw
// option, the tool schema's enum and the console. Gemini's imageConfig and
// OpenRouter's image_config take each of them as is.
inline constexpr std::array<std::string_view, 10> kAspectRatios = {"1:1", "2:3", "3:2",  "3:4",  "4:3",
                                                                   "4:5", "5:4", "9:16", "16:9", "21:9"};

bool is_supported_aspect_ratio(std::string_view ratio);

// What a request asks for: a pixel size, or only a shape.
struct SizeWish {
  int width = 1;   // pixels, or the ratio's first term
  int height = 1;  // pixels, or the ratio's second term
  bool is_ratio = true;
};

// Reads "16:9" (two positive integers, each at most 100) or "1024x1024"
// ("x", "X" or "*"; each side 1..16384). kBadRequest-like error "bad_size"
// for anything else.
Result<SizeWish> parse_size_wish(std::string_view text);

// Gemini / OpenRouter: the entry of kAspectRatios nearest to the wish's shape
// (the same one when the wish is a listed ratio).
std::string_view to_aspect_ratio(const SizeWish& wish);

// OpenAI's allowed sizes per model family: the one nearest in shape.
enum class OpenAiSizeRule {
  kDallE3,    // 1024x1024, 1792x1024, 1024x1792
  kGptImage,  // 1024x1024, 1536x1024, 1024x1536
};
std::string to_openai_size(const SizeWish& wish, OpenAiSizeRule rule);

// Seedream: "WxH" with at least min_pixels pixels at the wish's shape (a pixel
// size below the floor is scaled up, never distorted; one above it is kept).
// Sides are multiples of 8.
std::string to_seedream_size(const SizeWish& wish, std::int64_t min_pixels);

// DashScope: "W*H", each side within [min_side, max_side] and a multiple of
// 16; a ratio gets about 1024*1024 pixels. REQUIRES: 16 <= min_side <= max_side.
std::string to_dashscope_size(const SizeWish& wish, int min_side, int max_side);

// ModelScope: the same size as to_dashscope_size, written "WxH".
// REQUIRES: 16 <= min_side <= max_side.
std::string to_modelscope_size(const SizeWish& wish, int min_side, int max_side);

}  // namespace picbot::image
