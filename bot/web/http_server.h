// HttpServer: the host's small HTTP/1.1 server (web console, /health, plugin
// routes such as /images/<id>). One coroutine per connection, keep-alive,
// bounded headers and bodies, read/idle timeouts and a connection cap.
//
// Connections: at most max_connections, and max_connections_per_client per
// client address (net::client_key). A connection must deliver a request's
// header within header_timeout of its accept (and of the first byte of each
// later request). When a newcomer finds no room, the connection idle longest
// (waiting for a request's first byte) is closed for it, from the same
// client when that client is at its cap, else from the client holding the
// most; only when none is idle does the newcomer get 503. So idle sockets
// cannot lock others out of the console or /health. Lines a client can
// trigger (refusals, malformed requests) are rate-limited per client.
//
// Routing: route(method, prefix, handler). A prefix matches a path equal to
// it, or that continues it after a '/' ("/images/" matches "/images/ab12";
// "/health" matches "/health" and "/health/x" but not "/healthz"). The
// longest matching prefix wins; a path with no match gets 404, a matching
// prefix without a handler for the method 405 (with Allow). Registering the
// same method + prefix again replaces the handler. A route may take larger
// (or smaller) bodies than max_body_bytes (RouteOptions); a body above the
// limit is refused with the route's 413 before it is read.
//
// Streaming: a response with HttpResponse::stream set goes out with
// Transfer-Encoding: chunked, one chunk per ResponseStream::write, each
// within read_timeout; the connection closes after it. The client closing
// its side ends the stream (ResponseStream::on_close).
//
// Every response carries X-Content-Type-Options: nosniff, Referrer-Policy:
// no-referrer and Cache-Control: no-store (unless the handler sets its own
// Cache-Control). Too-large headers get 431, bodies 413, malformed requests
// 400; those close the connection. A handler that throws gets 500 with a
// generic body; the exception is logged.
//
// Thread-safety: io_context thread only. The server must outlive the
// io_context's run loop or be stopped first; connections keep its state alive.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "bot/web/http_types.h"

namespace picbot::web {

class HttpServer final : public HttpListener {
 public:
  using Handler = HttpHandler;

  struct Options {
    std::string host = "127.0.0.1";  // an IP literal
    std::uint16_t port = 6185;       // 0: any free port (see port())
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 1024 * 1024;
    std::chrono::milliseconds header_timeout{5'000};  // accept (or first byte) to a complete header
    std::chrono::milliseconds read_timeout{30'000};   // a request's body, and writing its response
    std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
    std::size_t max_connections = 64;
    std::size_t max_connections_per_client = 16;
  };

  HttpServer(boost::asio::any_io_executor executor, Options options);
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds (or replaces) a route; allowed before and after start(). options:
  // its body limit and 413 (see RouteOptions).
  void route(std::string method, std::string path_prefix, Handler handler,
             RouteOptions options = {}) override;

  // Binds and starts accepting; logs "web console listening on <host>:<port>".
  // Returns the bound port. Errors: "bad_listen" (host is not an IP
  // address), "listen_failed" (bind/listen failed, with the OS message).
  Result<std::uint16_t> start();
  // Stops accepting and closes open connections. Idempotent.
  void stop() override;

  // The executor the server and its handlers run on.
  boost::asio::any_io_executor executor() const;
  // The bound port (0 before start()).
  std::uint16_t port() const override;
  const Options& options() const;
  std::size_t connections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace picbot::web
