// ObjectBucket: what the image store needs from a remote object store (an
// S3-compatible bucket: R2, AWS S3, MinIO, OSS). The store and its upload
// queue speak only this interface; image/storage/s3/ implements it over our
// own SigV4 signer and libcurl, and tests may use an in-memory bucket.
//
// Every call runs on the event loop's executor and never blocks it. Errors
// are values: Error::not_found for a missing object or bucket key, other
// codes carry the server's error code (AccessDenied, SignatureDoesNotMatch,
// NoSuchBucket, RequestTimeTooSkewed, ...) in plain words, never a secret.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/result.h"

namespace picbot::image {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // as the server sent it, quotes removed
};

class ObjectBucket {
 public:
  virtual ~ObjectBucket() = default;

  // The object's size and ETag, or nullopt when there is no such key.
  virtual boost::asio::awaitable<Result<std::optional<ObjectInfo>>> head(std::string key) = 0;
  // Stores bytes under key (replacing any object there).
  virtual boost::asio::awaitable<Status> put(std::string key, std::string bytes, std::string content_type,
                                             std::string cache_control) = 0;
  // The object's bytes; Error::not_found when there is no such key.
  virtual boost::asio::awaitable<Result<std::string>> get(std::string key) = 0;
  // Deletes the object; deleting a missing key succeeds (as S3 does).
  virtual boost::asio::awaitable<Status> remove(std::string key) = 0;
  // Up to max_keys objects whose key starts with prefix, in key order.
  virtual boost::asio::awaitable<Result<std::vector<ObjectInfo>>> list(std::string prefix, int max_keys) = 0;
  // A URL a browser or NapCat can GET the object from: <public_base_url>/<key>
  // when the bucket has one, else a presigned GET URL valid for `valid`.
  virtual std::string object_url(const std::string& key, std::chrono::seconds valid) const = 0;
};

}  // namespace picbot::image
