// Fuzz target: a 2xx answer body of the OpenAI Images API, of Gemini's
// generateContent and of Volcengine Ark's images/generations (what the
// upstream, or anything pretending to be it, returns) through
// parse_openai_answer, parse_gemini_answer and parse_seedream_answer.
// Invariants: neither throws; a found image is non-empty, passes verify_image
// and carries the MIME type its magic number says; a URL left for the
// downloader is http(s); errors have a message, except a content-filter
// answer without the model's words (the pipeline then says the model
// declined, content_filtered_silent).
#include <cstdint>
#include <string>
#include <string_view>

#include "image/providers/gemini/gemini_provider.h"
#include "image/providers/openai/openai_provider.h"
#include "image/providers/seedream/seedream_provider.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/image_checks.h"

using namespace picbot::image;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto openai = parse_openai_answer(body, 200);
  if (openai.ok()) {
    FUZZ_CHECK(!openai.value().empty());
    for (const UpstreamImage& image : openai.value()) {
      if (image.url.empty()) {
        picbot::fuzz::check_found_image(image.image);
      } else {
        picbot::fuzz::check_download_url(image.url);
      }
    }
  } else {
    FUZZ_CHECK(!openai.error().message.empty());
  }

  auto gemini = parse_gemini_answer(body, 200);
  if (gemini.ok()) {
    picbot::fuzz::check_found_image(gemini.value());
  } else {
    FUZZ_CHECK(!gemini.error().message.empty() ||
               gemini.error().cls == picbot::llm::FailureClass::kContentFiltered);
  }

  auto seedream = parse_seedream_answer(body, 200);
  if (seedream.ok()) {
    if (seedream.value().url.empty()) {
      picbot::fuzz::check_found_image(seedream.value().image);
    } else {
      picbot::fuzz::check_download_url(seedream.value().url);
    }
  } else {
    FUZZ_CHECK(!seedream.error().message.empty() ||
               seedream.error().cls == picbot::llm::FailureClass::kContentFiltered);
  }
  return 0;
}
