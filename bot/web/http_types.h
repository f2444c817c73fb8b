// HTTP request/response values for routes on the host's web server
// (bot/web/http_server.h). Plugins include this header, never the server's:
// they mount routes through PluginContext::add_http_route. Header-only, no
// Beast types.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picbot::web {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: "/images/ab12?x=1"
  std::string path;    // target before '?', not percent-decoded
  std::string query;   // target after '?', "" when none
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined with ", "
  std::string remote;                          // peer "ip:port"

  // The header with this (case-insensitive) name, or "".
  std::string header(std::string_view name) const {
    std::string key(name);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
  }

  // The first query parameter with this name, percent-decoded ('+' is a
  // space), or "" when absent.
  std::string query_param(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
      const std::size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      const std::size_t eq = pair.find('=');
      if (pair.substr(0, eq) == name)
        return eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1));
      if (amp == std::string_view::npos) break;
      rest.remove_prefix(amp + 1);
    }
    return {};
  }

 private:
  static std::string decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '+') {
        out += ' ';
      } else if (c == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += c;
      }
    }
    return out;
  }
};

// The writer of a streamed response's body (HttpResponse::stream). Each
// write() goes out at once as one HTTP/1.1 chunk. Lives while the stream
// callback runs; io_context thread only.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends data as one chunk within the server's write timeout. False when
  // the client has gone or the write failed or timed out; every later write
  // then fails at once. Empty data sends nothing and returns !closed().
  virtual boost::asio::awaitable<bool> write(std::string data) = 0;
  // True once the client closed the connection or a write failed.
  virtual bool closed() const = 0;
  // Emitted (cancellation_type::terminal) once, when the client goes away or
  // a write fails: bind an upstream call to it so that it ends too. One
  // handler at a time (a cancellation_slot).
  virtual boost::asio::cancellation_slot on_close() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  // Extra headers. A Cache-Control here replaces the default "no-store".
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is streamed: the status and headers go out at
  // once with Transfer-Encoding: chunked, then this runs and writes the body
  // (body is ignored); the connection closes when it returns. A handler
  // that needs a cancellation or a deadline for its upstream takes them from
  // the ResponseStream.
  std::function<boost::asio::awaitable<void>(ResponseStream&)> stream;
  // Set only on the one console answer that hands out a secret just created
  // (a new gateway key, shown once): the console's redaction of configured
  // secrets skips it. Never set it on an answer that repeats a stored secret.
  bool shows_new_secret = false;

  static HttpResponse json(const nlohmann::json& value, int status = 200) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json";
    response.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
  }
  static HttpResponse text(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

// Per-route settings (HttpServer::route, PluginContext::add_http_route).
struct RouteOptions {
  // The largest request body this route takes; 0: the server's
  // max_body_bytes. A larger body is refused before it is read.
  std::size_t max_body_bytes = 0;
  // The 413 response for a body above the limit (e.g. in the API's own error
  // shape); null: the server's plain-text 413.
  std::function<HttpResponse(std::size_t limit)> too_large;
};

// A route handler. It runs on the io_context thread; an exception it throws
// becomes a 500 with a generic body (and is logged). REQUIRES: whatever the
// handler refers to outlives the server, or the host's shutdown.
using HttpHandler = std::function<boost::asio::awaitable<HttpResponse>(const HttpRequest&)>;

// Connection limits of a plugin's own listener (PluginContext::open_http_listener):
// an API server's clients (a chat front-end's backend) hold many requests at
// once from one address, unlike the console's browsers.
struct ListenerOptions {
  std::size_t max_connections = 512;
  std::size_t max_connections_per_client = 256;
};

// A listener of its own that a plugin asked the host for
// (PluginContext::open_http_listener): the same server as the host's web
// server (limits, timeouts, streaming), on another address. Routes as in
// HttpServer::route. Stopped when destroyed. io_context thread only.
class HttpListener {
 public:
  virtual ~HttpListener() = default;
  virtual void route(std::string method, std::string path_prefix, HttpHandler handler,
                     RouteOptions options) = 0;
  // The bound port.
  virtual std::uint16_t port() const = 0;
  // Stops accepting and closes open connections. Idempotent.
  virtual void stop() = 0;
};

}  // namespace picbot::web
