// S3Settings: where an S3-compatible bucket is and how to sign for it, the
// `storage.s3` config section as S3Client takes it. docs/storage-s3.md has
// the values for R2, AWS S3, MinIO and Aliyun OSS.
#pragma once

#include <string>

#include "bot/core/result.h"

namespace picbot::image::s3 {

struct S3Settings {
  std::string endpoint;         // "https://<account>.r2.cloudflarestorage.com", "http://127.0.0.1:9000"
  std::string region = "auto";  // "auto" (R2), the bucket's region (AWS, OSS), "us-east-1" (MinIO)
  std::string bucket;
  std::string access_key_id;
  std::string secret_access_key;  // never shown: errors and logs carry no part of it
  std::string public_base_url;    // "" = private bucket: object_url() presigns
  std::string key_prefix;         // the store's folder in the bucket ("picbot"); S3Client takes keys whole
  bool path_style = true;         // endpoint/bucket/key; false: bucket.endpoint/key (OSS, AWS)
  int presign_seconds = 3600;     // how long a presigned GET URL is valid
  int max_parallel_uploads = 4;

  // Ok, or Error{"bad_config", ...} naming the first field that is wrong and
  // what it should be, in the log language (log_language.h): an endpoint
  // that is not http(s)://host[:port], an empty region, bucket or key, a
  // bucket name S3 refuses, path-style on Aliyun OSS (virtual-hosted only),
  // virtual-hosted on an IP address or with a dotted bucket over HTTPS,
  // presign_seconds outside 1..604800 (SigV4's 7 days),
  // max_parallel_uploads outside 1..64, a public_base_url that is not http(s).
  Status validate() const;
};

// An endpoint URL's parts. port is 0 when the URL has none.
struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // lower-case; an IPv6 literal keeps its brackets
  int port = 0;
};

// The parts of "http(s)://host[:port][/]"; an error for anything else (a
// path, query, user info, another scheme).
Result<Endpoint> parse_endpoint(const std::string& url);

}  // namespace picbot::image::s3
