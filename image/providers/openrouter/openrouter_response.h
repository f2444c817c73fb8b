// Parsing of an OpenRouter (OpenAI-compatible) chat completion that should
// carry a generated image. Pure functions: no I/O, safe to fuzz.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/llm/provider_error.h"
#include "image/format.h"

namespace picbot::image {

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

}  // namespace picbot::image
