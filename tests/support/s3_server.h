// S3Server: a real S3 server for tests and benchmarks, S3rver 3.7.1 (npm,
// pinned by tests/s3/package-lock.json) run by `node tests/s3/serve.mjs` on
// 127.0.0.1, storing objects in a temporary directory. It speaks the S3
// protocol (path-style on 127.0.0.1, virtual-hosted on
// <bucket>.s3.localhost) but accepts any signature; only the access key id
// S3RVER is known (another gets InvalidAccessKeyId), and a request time more
// than 15 minutes off gets RequestTimeTooSkewed.
//
// stop() and restart() let a test take the server away and bring it back on
// the same port with the same objects (a bucket outage).
//
// Thread-safety: one thread at a time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bot/core/result.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {

class S3Server {
 public:
  // The keys S3rver accepts.
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  // Why start() cannot work here ("" when it can): node missing, or npm ci
  // not run in tests/s3 (scripts/install-deps.sh --test does it).
  static std::string unavailable_reason();

  // Starts the server with these buckets on a free port. The error holds the
  // server's output.
  static Result<std::unique_ptr<S3Server>> start(std::vector<std::string> buckets = {"picbot"});

  // Stops the server (SIGTERM, then SIGKILL); the directory stays.
  ~S3Server();
  S3Server(const S3Server&) = delete;
  S3Server& operator=(const S3Server&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>": the endpoint for path-style addressing.
  std::string endpoint() const;
  // "http://s3.localhost:<port>": the endpoint for virtual-hosted addressing.
  std::string virtual_hosted_endpoint() const;
  // Where the objects are stored.
  const std::filesystem::path& directory() const { return dir_.path(); }

  // Stops the server (SIGTERM, SIGKILL after 5 s); true once it has exited.
  bool stop();
  // SIGKILL, no goodbye.
  void kill9();
  // Starts it again on the same port and directory; the objects stored
  // before are served again.
  Status restart();
  bool running() const;

 private:
  explicit S3Server(std::vector<std::string> buckets) : buckets_(std::move(buckets)) {}
  // Starts node serve.mjs on port_ (0: any) and learns the port.
  Status launch();

  std::vector<std::string> buckets_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// An object as boto3, the official client, reads it (tests/s3/boto3_get.py,
// path-style, S3rver's keys).
struct Boto3Object {
  std::string bytes, content_type, cache_control;
};

// The objects under keys in bucket at endpoint, in one run of the script.
// Errors: python3-boto3 missing (scripts/install-deps.sh --test), the
// script's failure with its output.
Result<std::vector<Boto3Object>> read_with_boto3(const std::string& endpoint, const std::string& bucket,
                                                 const std::vector<std::string>& keys);

}  // namespace picbot::testing
