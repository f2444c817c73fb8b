// Fuzz target: the multipart/form-data parser (bot/web/multipart.h) on any
// body, as a client of the image gateway's /v1/images/edits can send it. The
// first line of the input is the Content-Type, the rest the body.
// Invariants: never crashes; every part's data lies inside the body; the
// number of parts stays within the limit.
#include <cstdint>
#include <string_view>

#include "bot/web/multipart.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t eol = input.find('\n');
  if (eol == std::string_view::npos) return 0;
  auto boundary = picbot::web::multipart_boundary(input.substr(0, eol));
  if (!boundary) return 0;
  const std::string_view body = input.substr(eol + 1);
  const picbot::web::MultipartLimits limits{.max_parts = 8, .max_part_header_bytes = 256};
  auto parts = picbot::web::parse_multipart(body, *boundary, limits);
  if (!parts) return 0;
  FUZZ_CHECK(parts->size() <= limits.max_parts);
  for (const auto& part : *parts) {
    FUZZ_CHECK(part.data.data() >= body.data() &&
               part.data.data() + part.data.size() <= body.data() + body.size());
  }
  return 0;
}
