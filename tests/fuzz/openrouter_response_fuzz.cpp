// Fuzz target: an OpenRouter chat completion body (what the upstream, or
// anything pretending to be it, returns) through parse_image_response, and the
// same bytes as a data URL through decode_data_url.
// Invariants: neither throws; a found image is non-empty, passes verify_image
// and carries the MIME type its magic number says; errors have a message.
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/core/text.h"
#include "image/providers/openrouter/openrouter_response.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::image;

namespace {

void check_image(const GeneratedImage& image) {
  FUZZ_CHECK(!image.bytes.empty());
  auto verified = verify_image(image.bytes);
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK(image.mime == image_mime(verified.value()));
  FUZZ_CHECK(image.extension == image_extension(verified.value()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto parsed = parse_image_response(body);
  if (parsed.ok()) {
    if (parsed.value().download_url.empty()) {
      check_image(parsed.value().image);
    } else {
      // Only http(s) URLs (any case) are left for the downloader.
      const std::string scheme = picbot::to_lower(parsed.value().download_url.substr(0, 8));
      FUZZ_CHECK(scheme.starts_with("http://") || scheme.starts_with("https://"));
    }
  } else {
    FUZZ_CHECK(!parsed.error().message.empty());
  }

  auto decoded = decode_data_url(body);
  if (decoded.ok()) check_image(decoded.value());
  return 0;
}
