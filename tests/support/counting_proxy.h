// CountingProxy: tests/s3/counting_proxy.py in front of a test S3 server, so
// a test can count the PUTs that really reached the server, and hold back
// the answers to PUTs (the server has stored the object, the client has not
// heard so: a process killed mid-upload, a lost answer).
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "bot/core/result.h"
#include "tests/support/child_process.h"

namespace picbot::testing {

class CountingProxy {
 public:
  // Starts the proxy on a free 127.0.0.1 port, forwarding to upstream
  // ("http://127.0.0.1:<port>"). The error holds the proxy's output.
  static Result<std::unique_ptr<CountingProxy>> start(const std::string& upstream);
  ~CountingProxy() = default;
  CountingProxy(const CountingProxy&) = delete;
  CountingProxy& operator=(const CountingProxy&) = delete;

  // "http://127.0.0.1:<port>": the endpoint to give the client.
  std::string endpoint() const;

  // PUTs of path ("/<bucket>/<key>", as sent: percent-encoded) the server
  // answered with 2xx so far; with path "", all of them.
  int puts(const std::string& path = "") const;
  // Answers to PUTs held back right now (after hold_puts()).
  int held() const;

  // From now on, PUTs reach the server but their answers are held back
  // (returns once the proxy has switched).
  void hold_puts();
  // Sends every held answer and stops holding.
  void release();

 private:
  explicit CountingProxy(std::unique_ptr<ChildProcess> process, int port)
      : process_(std::move(process)), port_(port) {}
  void signal_and_wait(int sig, const std::string& answer);
  int count_lines(const std::string& prefix, bool exact_path, const std::string& path) const;

  std::unique_ptr<ChildProcess> process_;
  int port_;
  int released_ = 0;  // "holding" lines answered by earlier release() calls
};

}  // namespace picbot::testing
