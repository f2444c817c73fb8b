// Parsing of an OpenRouter (OpenAI-compatible) chat completion that should
// carry a generated image. Pure functions: no I/O, safe to fuzz.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/llm/provider_error.h"

namespace picbot::gemini {

enum class ImageFormat { kPng, kJpeg, kWebp };

std::string_view image_mime(ImageFormat format);       // "image/png", "image/jpeg", "image/webp"
std::string_view image_extension(ImageFormat format);  // "png", "jpg", "webp"

// The format given by the magic number (PNG 89 50 4E 47, JPEG FF D8 FF,
// WEBP "RIFF....WEBP"), or nullopt for anything else.
std::optional<ImageFormat> sniff_image_format(std::string_view bytes);

// The format named by a MIME type ("image/png", "image/jpg", "IMAGE/JPEG"), or
// nullopt for any other type.
std::optional<ImageFormat> format_from_mime(std::string_view mime);

struct GeneratedImage {
  std::string bytes;
  std::string mime;        // from the bytes' magic number, not from what the provider claimed
  std::string extension;   // without the dot
  std::string model_text;  // text the model sent along with the image, "" if none
};

// Checks that bytes are a complete PNG, JPEG or WEBP (magic number, and the
// end marker / RIFF length, so a cut-off image is caught) and, when declared
// is set, of that format. Returns the format, or kBadResponse saying why.
Result<ImageFormat, llm::ProviderError> verify_image(std::string_view bytes,
                                                     std::optional<ImageFormat> declared = std::nullopt);

// Decodes "data:image/<type>;base64,<data>" in one pass and verifies the image.
// kBadResponse for other schemes or types, non-base64 data URLs, truncated
// base64 ("truncated base64 ..."), characters outside the alphabet, or bytes
// that are not the declared image type.
Result<GeneratedImage, llm::ProviderError> decode_data_url(std::string_view url);

struct ParsedImageResponse {
  GeneratedImage image;      // bytes empty when download_url is set
  std::string download_url;  // data[].url with an http(s) URL: the image must be fetched from there
};

// Finds the image in a 2xx chat completion body. Looks, in this order, at
//   1. choices[0].message.images[].image_url.url data URLs,
//   2. data URLs in choices[0].message.content (a string, or an array of
//      "text" / "image_url" parts),
//   3. data[].b64_json, then data[].url (a data URL is decoded, an http(s)
//      URL is returned in download_url);
// the first candidate that decodes wins; if none does, the first one's error
// is returned. The model's text (content without data URLs) goes to
// image.model_text.
// Errors: an "error" object in the body -> its class (llm::error_in_body);
// malformed JSON or no image at all -> kBadResponse; a text-only answer or
// finish_reason "content_filter" -> kContentFiltered whose message is the
// model's text, shortened to about 120 characters.
Result<ParsedImageResponse, llm::ProviderError> parse_image_response(std::string_view body,
                                                                     int http_status = 200);

}  // namespace picbot::gemini
