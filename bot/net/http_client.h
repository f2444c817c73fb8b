// HttpClient: non-blocking HTTP(S) on libcurl's multi interface, driven by the
// bot's io_context: no thread per request, many requests in flight at once.
// Every outbound HTTP call in picbot goes through it.
//
// Cancellation: request() honours the awaiting coroutine's cancellation slot
// (e.g. `co_await (client.request(r) || timer.async_wait(...))`); a cancelled
// request finishes with HttpError::Kind::kCancelled and frees its handle.
//
// Thread-safety: use from the io_context's thread only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/result.h"

namespace picbot::net {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, sent instead of `body`. Lets callers that send the same large
  // body several times (one request per retry or key) share one copy: a
  // copied HttpRequest copies the pointer, not the bytes.
  std::shared_ptr<const std::string> shared_body;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  std::size_t max_response_bytes = 64 * 1024 * 1024;  // enforced while streaming
  std::string proxy;      // "", "http://h:p", "https://h:p", "socks5://h:p", "socks5h://h:p"
  int max_redirects = 0;  // redirects stay on http/https
  // Refuse loopback/private/link-local peers (SSRF). With a proxy the peer is
  // the proxy, so each hop's host is resolved and checked here before the
  // proxy sees its URL, and redirects are followed here (proxied_target.h);
  // each hop then has its own total_timeout.
  bool block_private_addresses = false;

  // The bytes sent: *shared_body when set, else body.
  std::string_view payload() const { return shared_body ? std::string_view(*shared_body) : body; }
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string effective_url;  // after redirects

  // Returns the first header with this (case-insensitive) name, or "".
  std::string header(std::string_view name) const;
};

struct HttpError {
  enum class Kind {
    kTimeout,          // connect or total timeout
    kConnectFailed,    // refused, unreachable
    kResolveFailed,    // DNS
    kConnectionReset,  // reset or closed mid-transfer
    kTls,              // handshake or certificate
    kTooLarge,         // response exceeded max_response_bytes
    kBlockedAddress,   // block_private_addresses refused the peer
    kBadUrl,           // malformed URL or scheme other than http/https
    kCancelled,
    kOther,
  };
  Kind kind = Kind::kOther;
  std::string message;  // never contains request headers (they may hold keys)
};

const char* to_string(HttpError::Kind kind);

class HttpClient;

// The body of a response opened with HttpClient::open(), read piece by piece
// as libcurl receives it. Destroying the stream ends an unfinished transfer.
//
// Backpressure: when more than buffer_bytes of the body wait unread, the
// transfer is paused (curl stops reading the socket) until next() takes them.
// Thread-safety: use from the io_context's thread only.
class HttpBodyStream {
 public:
  struct State;
  HttpBodyStream(std::shared_ptr<State> state, HttpResponse head);
  ~HttpBodyStream();
  HttpBodyStream(const HttpBodyStream&) = delete;
  HttpBodyStream& operator=(const HttpBodyStream&) = delete;

  // Status, headers and effective URL; the body stays empty.
  const HttpResponse& head() const { return head_; }

  // The body received since the last call, as soon as there is some (a
  // non-empty string), or "" once the body is complete. Errors: the
  // transfer's failure (kTimeout, kConnectionReset, kTooLarge, ...) after the
  // bytes received before it; kCancelled when the awaiting coroutine is
  // cancelled, which also ends the transfer.
  // REQUIRES: no other next() of this stream in progress.
  boost::asio::awaitable<Result<std::string, HttpError>> next();

 private:
  friend class HttpClient;
  std::shared_ptr<State> state_;
  HttpResponse head_;
};

// True when `ip` is an IPv4/IPv6 literal (brackets allowed) in a range that
// block_private_addresses refuses: loopback, private, CGNAT, link-local,
// unique-local, multicast, unspecified/reserved, and IPv4-mapped/-embedded
// forms of those. False for anything that is not an IP literal.
bool is_private_address(std::string_view ip);

class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor executor);
  // Requests still in flight complete with kCancelled (posted to their
  // executors). REQUIRES: the io_context outlives the client.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs one request. Non-2xx statuses are not errors: they come back as
  // a response with that status. Errors are transport failures only.
  boost::asio::awaitable<Result<HttpResponse, HttpError>> request(HttpRequest request);

  // Sends the request and completes once the response's status and headers
  // are in (or the transfer failed first); the body is then read from the
  // stream. Non-2xx statuses are not errors. The request's
  // max_response_bytes and total_timeout still bound the whole body.
  // Cancelling the awaiting coroutine before the head arrives ends the
  // transfer with kCancelled.
  boost::asio::awaitable<Result<std::unique_ptr<HttpBodyStream>, HttpError>> open(
      HttpRequest request, std::size_t buffer_bytes = 1024 * 1024);

  // Number of requests currently in flight.
  std::size_t in_flight() const;

  // Maps libcurl and runs its global set-up now (dlopen of its dependency
  // tree and TLS initialisation: ~20 ms), which the first request would
  // otherwise do on the event loop while every other connection waits.
  // Blocking and thread-safe: call it on a worker thread. An error names
  // why libcurl cannot be loaded (requests then fail with the same reason).
  static Status preload_library();

 private:
  // request() for block_private_addresses with a proxy.
  boost::asio::awaitable<Result<HttpResponse, HttpError>> request_through_proxy(HttpRequest request);
  // One transfer, as curl performs it; with stream set, the body goes to
  // the stream and this completes with the head.
  boost::asio::awaitable<Result<HttpResponse, HttpError>> send(
      HttpRequest request, std::shared_ptr<HttpBodyStream::State> stream = nullptr);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picbot::net
