// Invariants the image-answer fuzz targets share.
#pragma once

#include <string>

#include "bot/core/text.h"
#include "image/format.h"
#include "tests/fuzz/fuzz_check.h"

namespace picbot::fuzz {

// A found image is non-empty, passes verify_image and carries the MIME type
// and extension its magic number says.
inline void check_found_image(const image::GeneratedImage& found) {
  FUZZ_CHECK(!found.bytes.empty());
  auto verified = image::verify_image(found.bytes);
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK(found.mime == image::image_mime(verified.value()));
  FUZZ_CHECK(found.extension == image::image_extension(verified.value()));
}

// Only http(s) URLs (any case) are left for the downloader.
inline void check_download_url(const std::string& url) {
  const std::string scheme = to_lower(url.substr(0, 8));
  FUZZ_CHECK(scheme.starts_with("http://") || scheme.starts_with("https://"));
}

}  // namespace picbot::fuzz
