// AWS Signature Version 4 for S3 (what R2, AWS S3, MinIO and OSS's S3 mode
// check), on OpenSSL's SHA-256 and HMAC-SHA256: signed request headers and
// presigned GET URLs. Our own instead of libcurl's CURLOPT_AWS_SIGV4, which
// on Debian 12 (7.88) does not send x-amz-content-sha256 (R2 rejects such
// requests), has canonicalisation bugs fixed only in 8.x, and cannot presign.
//
// Encoding follows the AWS rules as botocore applies them (the oracle of
// sigv4_test.cpp): the path's bytes are percent-encoded except A-Z a-z 0-9
// - _ . ~ and '/'; query keys and values likewise, '/' included, then sorted.
// So a space is %20, '+' is %2B, and a UTF-8 character is one %XX per byte.
//
// Thread-safety: the functions are pure; a SigV4Signer is immutable and may be
// used from any thread while its clock may be.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/clock.h"

namespace picbot::image::s3 {

// The payload hash of a request whose body is not hashed (presigned URLs).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

struct SigningCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string region;  // "auto" for R2, the bucket's region for AWS, ...
  std::string service = "s3";
};

// One request, before encoding.
struct RequestToSign {
  std::string method = "GET";
  std::string scheme = "https";  // "http" or "https"
  // What the Host header carries: the lower-case host name, with ":port" only
  // when the port is not the scheme's default (host_header()).
  std::string host;
  std::string path = "/";                                  // not encoded: "/bucket/a b+c.png"
  std::vector<std::pair<std::string, std::string>> query;  // not encoded
  // Headers signed besides host, x-amz-date and x-amz-content-sha256
  // (Content-Type, Cache-Control, ...). Names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body (sha256_hex), or kUnsignedPayload.
  std::string payload_hash;
};

// The headers sign() adds to the request.
struct SignedHeaders {
  std::string authorization;   // "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
  std::string amz_date;        // x-amz-date: "20261207T212000Z"
  std::string content_sha256;  // x-amz-content-sha256: the payload hash
};

// Lower-case hex SHA-256 of bytes.
std::string sha256_hex(std::string_view bytes);

// text percent-encoded per AWS: every byte but A-Z a-z 0-9 - _ . ~ (and '/'
// when keep_slash) becomes %XX with upper-case hex.
std::string uri_encode(std::string_view text, bool keep_slash);

// The Host header's value for a host name and port: lower-cased, ":port"
// left out when it is the scheme's default (80 for http, 443 for https) or 0.
std::string host_header(std::string_view scheme, std::string_view host, int port);

// scheme://host + the encoded path + "?" + the encoded query (in the given
// order), the URL a signed request is sent to.
std::string request_url(const RequestToSign& request);

// "20261207T212000Z" for a time (UTC, whole seconds).
std::string amz_date(Clock::time_point time);

class SigV4Signer {
 public:
  // REQUIRES: clock outlives the signer.
  SigV4Signer(SigningCredentials credentials, const Clock& clock);

  // The headers that authenticate request at the clock's time. Send them,
  // request.headers and Host as signed, to request_url(request).
  SignedHeaders sign(const RequestToSign& request) const;

  // A URL that lets anyone GET request's path (and query) for `expires`
  // from the clock's time: the query gains X-Amz-Algorithm, -Credential,
  // -Date, -Expires, -SignedHeaders=host and -Signature, in that order
  // after the request's own parameters. request.headers and payload_hash are
  // ignored; the method is signed as given (GET for a download link).
  std::string presign(const RequestToSign& request, std::chrono::seconds expires) const;

  const SigningCredentials& credentials() const { return credentials_; }

 private:
  // Hex HMAC-SHA256 of string_to_sign with the key derived for date (YYYYMMDD).
  std::string signature(std::string_view date, std::string_view string_to_sign) const;
  // "<date>/<region>/<service>/aws4_request"
  std::string scope(std::string_view date) const;

  SigningCredentials credentials_;
  const Clock& clock_;
};

}  // namespace picbot::image::s3
