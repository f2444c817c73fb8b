// The image endpoints' requests in OpenAI's shapes, parsed into one
// DrawRequest: POST /v1/images/generations (JSON), POST /v1/images/edits as
// multipart/form-data (`image` or repeated `image[]` files, optional `mask`,
// text fields) or as the JSON PicGate accepts (`image`: a string or a list
// of data URLs, base64 or http(s) URLs). A refusal is the 400 to answer, in
// OpenAI's error shape. Pure functions (any thread): callers run them on the
// WorkerPool for large bodies (base64 decoding, multipart splitting).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "bot/web/http_types.h"
#include "bot/web/multipart.h"
#include "image/provider.h"

namespace picbot::gateway {

inline constexpr int kMaxImagesPerRequest = 4;
inline constexpr std::size_t kMaxPromptBytes = 32'000;
inline constexpr std::size_t kMaxInputImages = 16;

// One input image: decoded bytes (verified), or an http(s) URL still to fetch.
struct InputImage {
  std::string param;  // "image", "image[1]", "mask": for error messages
  image::ReferenceImage image;
  std::string url;  // non-empty: fetch it (when allowed) and fill image
};

struct DrawRequest {
  std::string model;
  std::string prompt;
  int n = 1;
  std::optional<std::string> size;             // nullopt: "auto" or absent
  std::optional<std::string> response_format;  // "url" | "b64_json"; nullopt: absent
  std::vector<InputImage> images;              // references, in order
  std::optional<InputImage> mask;              // accepted and checked; providers draw without it
};

using Parsed = Result<DrawRequest, web::HttpResponse>;

// POST /v1/images/generations.
Parsed parse_generation(std::string_view body, std::string_view language);
// POST /v1/images/edits, multipart/form-data (parts from web::parse_multipart).
Parsed parse_edit_form(const std::vector<web::MultipartPart>& parts, std::string_view language);
// POST /v1/images/edits, JSON.
Parsed parse_edit_json(std::string_view body, std::string_view language);

}  // namespace picbot::gateway
