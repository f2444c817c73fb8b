// FakeHttpServer: a loopback HTTP/1.1 server for tests, with scriptable
// routes, recorded requests and misbehaviours (delay, reset, hang, truncate).
// It can also act as a plain HTTP forward proxy for absolute-form targets.
//
// The server listens on 127.0.0.1, port 0, from construction and runs its own
// io_context on its own thread until destruction. Handlers run on that thread;
// every public member is thread-safe and may be called while it runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/fakes/http/fake_body_stream.h"

namespace picbot::testing {

struct FakeHttpRequest {
  std::string method;
  std::string target;  // as sent: origin-form "/p?q" or absolute-form "http://h:p/p"
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "

  // Returns the header with this lower-case name, or "".
  std::string header(const std::string& name) const;
  // The origin-form part of target ("/p?q"), also for absolute-form targets.
  std::string path() const;
  // Parses body as JSON. Throws nlohmann::json::parse_error if it is not.
  nlohmann::json json() const;
};

struct FakeHttpResponse {
  enum class Action {
    kRespond,
    kReset,     // close the socket abruptly (RST) without a response
    kHang,      // never answer; the connection stays open until the client leaves
    kTruncate,  // send headers with a Content-Length bigger than the body, then close
  };

  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // before acting; does not block other connections
  Action action = Action::kRespond;
  bool chunked = false;  // send the body chunked instead of with Content-Length
  // When set (kRespond only): the head goes out at once, chunked, and the
  // body is what the test sends through it (body is ignored); the connection
  // closes after the stream finishes.
  std::shared_ptr<FakeBodyStream> stream;

  static FakeHttpResponse text(std::string body, int status = 200);
  static FakeHttpResponse json(const nlohmann::json& body, int status = 200);
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeHttpResponse(const FakeHttpRequest&)>;

  FakeHttpServer();
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"

  // Routes requests whose method matches (or method == "*") and whose
  // origin-form target starts with path_prefix. The longest matching prefix
  // wins; among equals, the latest. Re-registering method+prefix replaces it.
  // Unmatched requests get 404. A throwing handler produces a 500.
  void on(std::string method, std::string path_prefix, Handler handler);

  // When enabled, absolute-form targets ("GET http://h:p/x") are forwarded to
  // h:p and the upstream response relayed, like a plain HTTP proxy. Such
  // requests are recorded here (with the absolute target) but not routed.
  void set_forward_proxy(bool enabled);
  // In forward-proxy mode, absolute-form requests to this authority
  // ("203.0.113.7" or "host:port", as in the target) are routed to this
  // server's handlers instead, as if it were that origin: a remote site
  // reached through the proxy, without the test touching the internet.
  void stand_in_for(std::string authority);

  // Every request received so far, in arrival order (recorded on arrival,
  // before the handler runs or any delay).
  std::vector<FakeHttpRequest> requests() const;
  std::size_t request_count() const;
  // Blocks until at least n requests arrived. Returns false on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear_requests();

  // Number of TCP connections accepted so far (to check keep-alive reuse).
  std::size_t connection_count() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picbot::testing
