// S3Client: image::ObjectBucket over an S3-compatible bucket (Cloudflare R2,
// AWS S3, MinIO, Aliyun OSS): PutObject, HeadObject, GetObject,
// DeleteObject and ListObjectsV2 on net::HttpClient (libcurl multi on the
// event loop), each request signed by SigV4Signer (sigv4.h) and sent with
// x-amz-content-sha256, path-style (endpoint/bucket/key) or virtual-hosted
// (bucket.endpoint/key). Keys are taken whole: S3Settings::key_prefix is for
// the store that names them (and for the probe's object).
//
// Errors (Error::code, the message in plain words in the log language, never
// holding any part of the secret):
//   not_found              no such key (GetObject's NoSuchKey, a 404)
//   unavailable            the network, a timeout, HTTP 5xx or 429, SlowDown,
//                          RequestTimeout: transient, worth retrying
//   AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, NoSuchBucket
//                          credentials, permissions or the bucket's name:
//                          retrying cannot help
//   RequestTimeTooSkewed   this machine's clock is off
//   too_large              get(): the object is over max_object_bytes
//   bad_response           a listing that could not be read
//   any other S3 code      as the server sent it ("http_<status>" without one,
//                          or for one that is not [A-Za-z0-9._-]{1,64})
//
// Thread-safety: use from the event loop's thread (as HttpClient).
// object_url() may be called from any thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/storage/object_bucket.h"
#include "image/storage/s3/s3_settings.h"
#include "image/storage/s3/s3_xml.h"
#include "image/storage/s3/sigv4.h"

namespace picbot::image::s3 {

struct S3ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{120'000};  // every request's whole exchange
  std::size_t max_object_bytes = 64 * 1024 * 1024;     // get() refuses larger objects
  // Bodies larger than this are hashed on the WorkerPool, not on the loop.
  std::size_t max_body_hashed_on_loop = 64 * 1024;
  std::string proxy;  // "" = direct
};

// The console's "test connection": whether listing, putting and deleting a
// probe object worked, and in plain words what happened.
struct ProbeResult {
  bool ok = false;
  std::string message;
  std::chrono::milliseconds elapsed{0};
};

class S3Client final : public ObjectBucket {
 public:
  // A client for settings (validate()'s error when they are wrong).
  // REQUIRES: http, workers and clock outlive the client.
  static Result<std::unique_ptr<S3Client>> create(S3Settings settings, net::HttpClient& http,
                                                  WorkerPool& workers, const Clock& clock,
                                                  S3ClientOptions options = {});

  boost::asio::awaitable<Result<std::optional<ObjectInfo>>> head(std::string key) override;
  boost::asio::awaitable<Status> put(std::string key, std::string bytes, std::string content_type,
                                     std::string cache_control) override;
  boost::asio::awaitable<Result<std::string>> get(std::string key) override;
  boost::asio::awaitable<Status> remove(std::string key) override;
  // Pages through ListObjectsV2 until max_keys objects or the last page.
  boost::asio::awaitable<Result<std::vector<ObjectInfo>>> list(std::string prefix, int max_keys) override;
  // <public_base_url>/<key> (the key percent-encoded, '/' kept) when set,
  // else a presigned GET URL valid for `valid` (clamped to 1 s .. 7 days).
  std::string object_url(const std::string& key, std::chrono::seconds valid) const override;

  // One ListObjectsV2 page: up to max_keys (1..1000) objects after
  // continuation_token ("" = from the start).
  boost::asio::awaitable<Result<ListPage>> list_page(std::string prefix, int max_keys,
                                                     std::string continuation_token);

  // Lists one key under key_prefix, puts a small probe object there and
  // deletes it. Never throws; the message says which step failed and why.
  boost::asio::awaitable<ProbeResult> probe();

  const S3Settings& settings() const { return settings_; }

 private:
  S3Client(S3Settings settings, Endpoint endpoint, net::HttpClient& http, WorkerPool& workers,
           const Clock& clock, S3ClientOptions options);

  // A request for key (path-style or virtual-hosted), or for the bucket
  // itself when key is empty.
  RequestToSign request_for(std::string method, const std::string& key) const;
  // Signs and sends; a transport failure becomes Error::unavailable (or
  // too_large). Non-2xx statuses come back as responses.
  boost::asio::awaitable<Result<net::HttpResponse>> send(RequestToSign request, std::string body,
                                                         std::size_t max_response_bytes);
  // The error a bodiless 400/403 HEAD answer means: the code a one-byte GET
  // of the key gets, else what the status alone says.
  boost::asio::awaitable<Error> explain_refused_head(const std::string& key, const net::HttpResponse& head);
  // The error a non-2xx answer about key means (see the header comment).
  Error error_of(const net::HttpResponse& response, const std::string& key) const;
  // text with any copy of the secret masked (a last line of defence).
  std::string without_secret(std::string text) const;

  S3Settings settings_;
  Endpoint endpoint_;
  net::HttpClient& http_;
  WorkerPool& workers_;
  S3ClientOptions options_;
  SigV4Signer signer_;
};

}  // namespace picbot::image::s3
