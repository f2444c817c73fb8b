// The XML bodies an S3 server answers with, read with expat under limits:
// the error body of a refused request and ListObjectsV2's result. The bytes
// come from the network (or anything pretending to be the bucket), so a body
// over kMaxXmlBytes, nested deeper than kMaxXmlDepth, with an element text
// over kMaxXmlText bytes or any DOCTYPE (entity tricks) is refused.
// Thread-safety: the functions are pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "image/storage/object_bucket.h"

namespace picbot::image::s3 {

inline constexpr std::size_t kMaxXmlBytes = 8 * 1024 * 1024;
inline constexpr int kMaxXmlDepth = 16;
inline constexpr std::size_t kMaxXmlText = 4096;
inline constexpr std::size_t kMaxListedObjects = 10000;

struct S3ErrorBody {
  std::string code;     // "NoSuchKey", "SignatureDoesNotMatch", ...
  std::string message;  // the server's words, as sent
};

// The <Error><Code/><Message/></Error> of a refused request; nullopt when the
// body is not one (empty, not XML, over a limit, another root, no Code).
std::optional<S3ErrorBody> parse_error_body(std::string_view xml);

struct ListPage {
  std::vector<ObjectInfo> objects;  // in the server's order (key order)
  bool truncated = false;
  std::string next_continuation_token;  // set when truncated
};

// An ETag as S3 sends it ("\"9b2c...\"", in a header or XML) without its quotes.
std::string unquoted_etag(std::string_view etag);

// ListObjectsV2's <ListBucketResult>. Error::bad_request saying what is wrong
// for a body that is not one, over a limit, with a <Contents> lacking its
// Key, a Size that is not a number, or truncated without a token.
Result<ListPage> parse_list_result(std::string_view xml);

}  // namespace picbot::image::s3
