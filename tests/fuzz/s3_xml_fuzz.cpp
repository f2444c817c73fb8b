// Fuzz target: an XML body an S3 server (or anything pretending to be the
// bucket) answers with, through parse_error_body and parse_list_result
// (image/storage/s3/s3_xml.cpp, expat under limits).
// Invariants: neither throws; a found error body has a non-empty code and
// fields within kMaxXmlText; a listing has at most kMaxListedObjects objects,
// each with a key within kMaxXmlText, and a truncated listing has a token; a
// refused listing says why.
#include <cstdint>
#include <string_view>

#include "image/storage/s3/s3_xml.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::image::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const auto error = parse_error_body(body);
  if (error) {
    FUZZ_CHECK(!error->code.empty());
    FUZZ_CHECK(error->code.size() <= kMaxXmlText && error->message.size() <= kMaxXmlText);
  }

  const auto page = parse_list_result(body);
  if (page.ok()) {
    FUZZ_CHECK(page.value().objects.size() <= kMaxListedObjects);
    FUZZ_CHECK(!page.value().truncated || !page.value().next_continuation_token.empty());
    for (const auto& object : page.value().objects) {
      FUZZ_CHECK(object.key.size() <= kMaxXmlText);
      FUZZ_CHECK(object.etag.size() <= kMaxXmlText);
    }
  } else {
    FUZZ_CHECK(!page.error().message.empty());
  }
  return 0;
}
