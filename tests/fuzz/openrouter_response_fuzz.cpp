// Fuzz target: an OpenRouter chat completion body (what the upstream, or
// anything pretending to be it, returns) through parse_image_response, and the
// same bytes as a data URL through decode_data_url.
// Invariants: neither throws; a found image is non-empty, passes verify_image
// and carries the MIME type its magic number says; errors have a message.
#include <cstdint>
#include <string>
#include <string_view>

#include "image/providers/openrouter/openrouter_response.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/image_checks.h"

using namespace picbot::image;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto parsed = parse_image_response(body);
  if (parsed.ok()) {
    if (parsed.value().download_url.empty()) {
      picbot::fuzz::check_found_image(parsed.value().image);
    } else {
      picbot::fuzz::check_download_url(parsed.value().download_url);
    }
  } else {
    FUZZ_CHECK(!parsed.error().message.empty());
  }

  auto decoded = decode_data_url(body);
  if (decoded.ok()) picbot::fuzz::check_found_image(decoded.value());
  return 0;
}
