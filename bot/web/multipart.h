// multipart/form-data (RFC 7578) request bodies: the boundary from the
// Content-Type header, and the parts of a body. Parts point into the body
// (no copy of a file's bytes), so the body must outlive them. Pure functions:
// any thread; a caller with a large body runs parse_multipart on the
// WorkerPool.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"

namespace picbot::web {

struct MultipartPart {
  std::string name;          // Content-Disposition name, "" when absent
  std::string filename;      // "" for a plain field
  std::string content_type;  // "" when the part has none
  std::string_view data;     // into the body
};

struct MultipartLimits {
  std::size_t max_parts = 64;
  std::size_t max_part_header_bytes = 8 * 1024;  // one part's header block
};

// The boundary parameter of a multipart/form-data Content-Type (quoted or
// not). "bad_request" when the type is another or the boundary is missing,
// empty or longer than RFC 2046's 70 characters.
Result<std::string> multipart_boundary(std::string_view content_type);

// The parts of body, in order. "bad_request" naming the problem for a body
// without the opening or closing delimiter, a part without its header's end,
// a header block above the limit, or more parts than the limit.
Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   const MultipartLimits& limits = {});

}  // namespace picbot::web
