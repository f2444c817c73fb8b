#include "bot/web/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <map>
#include <optional>
#include <tuple>
#include <variant>
#include <vector>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/text.h"
#include "bot/core/throttled_log.h"
#include "bot/net/client_key.h"
#include "bot/net/tcp_listener.h"
#include "bot/net/transfer_encoding.h"

namespace picbot::web {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
auto logger() {
  static auto l = log::get("web");
  return l;
}

bool prefix_matches(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || prefix.ends_with('/') || path[prefix.size()] == '/';
}

// Bytes from a client that go into a log line are cut to this many.
constexpr std::size_t kLoggedBytes = 200;

struct Route {
  std::string method, prefix;
  HttpHandler handler;
  RouteOptions options;
};

// The writer of a streamed response: one chunk per write, a deadline on
// each, and a watch on the socket's read side that notices the client
// leaving while the handler waits for its upstream.
class ChunkWriter : public ResponseStream {
 public:
  ChunkWriter(beast::tcp_stream& stream, bool chunked, std::chrono::milliseconds timeout)
      : stream_(stream), chunked_(chunked), timeout_(timeout), state_(std::make_shared<State>()) {}

  // Starts watching the socket's read side; whatever the client sends now is
  // discarded (the connection closes after the stream).
  void watch() {
    asio::co_spawn(
        stream_.get_executor(),
        [state = state_, &socket = stream_.socket()]() -> asio::awaitable<void> {
          std::array<char, 512> scratch;
          for (;;) {
            auto [ec, n] =
                co_await socket.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
            if (ec) break;
          }
          state->close();
        },
        asio::detached);
  }

  asio::awaitable<bool> write(std::string data) override {
    // One write at a time: a second writer waits for the first.
    while (state_->writing && !state_->closed) {
      auto turn =
          std::make_shared<asio::steady_timer>(stream_.get_executor(), asio::steady_timer::time_point::max());
      state_->waiting.push_back(turn);
      co_await turn->async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (state_->closed) co_return false;
    if (data.empty()) co_return true;
    state_->writing = true;
    stream_.expires_after(timeout_);
    beast::error_code ec;
    if (chunked_) {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(data)),
                                                             asio::as_tuple(asio::use_awaitable));
    } else {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream_, asio::buffer(data), asio::as_tuple(asio::use_awaitable));
    }
    state_->writing = false;
    state_->wake_waiting();
    if (ec) {
      logger()->debug("web: streamed write failed: {}", ec.message());
      state_->close();
      co_return false;
    }
    co_return true;
  }

  bool closed() const override { return state_->closed; }
  asio::cancellation_slot on_close() override { return state_->signal.slot(); }

  // Ends the body (the last chunk) unless the client is gone; stops the watch.
  asio::awaitable<void> finish() {
    if (!state_->closed && chunked_) {
      stream_.expires_after(timeout_);
      co_await asio::async_write(stream_, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
    }
    state_->finished = true;
  }

 private:
  struct State {
    bool closed = false;
    bool finished = false;  // the stream is over: the watch's end means nothing
    bool writing = false;
    asio::cancellation_signal signal;
    std::vector<std::shared_ptr<asio::steady_timer>> waiting;  // writers waiting for their turn

    void wake_waiting() {
      for (auto& turn : waiting) turn->cancel();
      waiting.clear();
    }

    void close() {
      if (closed || finished) return;
      closed = true;
      wake_waiting();
      signal.emit(asio::cancellation_type::terminal);
    }
  };

  beast::tcp_stream& stream_;
  bool chunked_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<State> state_;
};
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::any_io_executor ex, Options opts)
      : executor(ex),
        listener(std::move(ex), "web.listen"),
        options(std::move(opts)),
        refusals(logger(), "log.what_refused_requests", Clock::system()) {}

  // The handler for method + path: 404 / 405 responses come back as errors.
  std::variant<const Route*, HttpResponse> find_route(const std::string& method,
                                                      std::string_view path) const {
    std::size_t best = 0;
    bool matched = false;
    const Route* found = nullptr;
    std::vector<std::string> allowed;
    for (const auto& route : routes) {
      if (!prefix_matches(path, route.prefix) || route.prefix.size() < best) continue;
      if (!matched || route.prefix.size() > best) {  // a longer prefix: forget the shorter ones
        allowed.clear();
        found = nullptr;
      }
      matched = true;
      best = route.prefix.size();
      allowed.push_back(route.method);
      if (route.method == method) found = &route;
    }
    if (found) return found;
    if (!matched) return HttpResponse::text(404, "not found\n");
    HttpResponse response = HttpResponse::text(405, "method not allowed\n");
    std::sort(allowed.begin(), allowed.end());
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    response.headers.emplace_back("Allow", std::move(allow));
    return response;
  }

  // The body limit of the route method + path would go to (the server's
  // when none matches), and its 413.
  std::size_t body_limit_for(const std::string& method, std::string_view path) const {
    auto route = find_route(method, path);
    const Route* const* found = std::get_if<const Route*>(&route);
    if (found == nullptr || (*found)->options.max_body_bytes == 0) return options.max_body_bytes;
    return (*found)->options.max_body_bytes;
  }

  HttpResponse too_large_for(const std::string& method, std::string_view path) const {
    auto route = find_route(method, path);
    const Route* const* found = std::get_if<const Route*>(&route);
    if (found != nullptr && (*found)->options.too_large) {
      return (*found)->options.too_large(body_limit_for(method, path));
    }
    return HttpResponse::text(413, "payload too large\n");
  }

  // The largest body any route takes: the header is read with it, then the
  // route's own limit applies.
  std::size_t largest_body_limit() const {
    std::size_t largest = options.max_body_bytes;
    for (const auto& route : routes) largest = std::max(largest, route.options.max_body_bytes);
    return largest;
  }

  static HttpRequest to_request(http::request<http::string_body>& req, const std::string& peer) {
    HttpRequest out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    const std::size_t qmark = out.target.find('?');
    out.path = out.target.substr(0, qmark);
    if (qmark != std::string::npos) out.query = out.target.substr(qmark + 1);
    for (const auto& field : req) {
      std::string& value = out.headers[to_lower(field.name_string())];
      if (!value.empty()) value += ", ";
      value += std::string(field.value());
    }
    out.body = std::move(req.body());
    out.remote = peer;
    return out;
  }

  asio::awaitable<HttpResponse> dispatch(const HttpRequest& request) {
    auto route = find_route(request.method, request.path);
    if (auto* response = std::get_if<HttpResponse>(&route)) co_return std::move(*response);
    const HttpHandler handler =
        std::get<const Route*>(route)->handler;  // a copy: routes may change meanwhile
    std::string failure;
    try {
      co_return co_await handler(request);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    logger()->error(
        "{}", log::text("log.web_handler_failed", fmt::arg("method", request.method),
                        fmt::arg("path", log::truncate(request.path, kLoggedBytes)),
                        fmt::arg("remote", request.remote), fmt::arg("reason", log::truncate(failure, 300))));
    co_return HttpResponse::text(500, "internal server error\n");
  }

  // The headers every answer carries, then the route's own; a Cache-Control
  // among them replaces the default "no-store".
  template <class Body>
  static void set_headers(http::response<Body>& res, const HttpResponse& response) {
    res.set(http::field::server, "picbot");
    res.set(http::field::content_type, response.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    bool has_cache_control = false;
    for (const auto& [name, value] : response.headers) {
      has_cache_control = has_cache_control || to_lower(name) == "cache-control";
      res.insert(name, value);
    }
    if (!has_cache_control) res.set(http::field::cache_control, "no-store");
  }

  http::response<http::string_body> to_beast(HttpResponse response, unsigned version, bool keep_alive) const {
    http::response<http::string_body> res{static_cast<http::status>(response.status), version};
    set_headers(res, response);
    res.keep_alive(keep_alive);
    res.body() = std::move(response.body);
    res.prepare_payload();
    return res;
  }

  // Sends response and reports whether the connection may serve another.
  asio::awaitable<bool> send(beast::tcp_stream& stream, HttpResponse response, unsigned version,
                             bool keep_alive) {
    auto res = to_beast(std::move(response), version, keep_alive && !stopped);
    stream.expires_after(options.read_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      logger()->debug("web: write failed: {}", ec.message());
      co_return false;
    }
    if (!res.keep_alive()) {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return false;
    }
    co_return true;
  }

  // Sends a streamed response: the header now, the body as the handler
  // writes it (chunked for HTTP/1.1), then closes the sending side.
  asio::awaitable<void> send_stream(beast::tcp_stream& stream, HttpResponse response, unsigned version) {
    auto producer = std::move(response.stream);
    http::response<http::empty_body> res{static_cast<http::status>(response.status), version};
    set_headers(res, response);
    res.keep_alive(false);
    const bool chunked = version >= 11;
    if (chunked) res.chunked(true);
    http::response_serializer<http::empty_body> serializer(res);
    stream.expires_after(options.read_timeout);
    auto [ec, n] = co_await http::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      logger()->debug("web: write failed: {}", ec.message());
      co_return;
    }
    ChunkWriter writer(stream, chunked, options.read_timeout);
    writer.watch();
    std::string failure;
    try {
      co_await producer(writer);
    } catch (const std::exception& e) {
      failure = e.what();
    } catch (...) {
      failure = "unknown exception";
    }
    if (!failure.empty()) logger()->error("web: a streamed response failed: {}", log::truncate(failure, 300));
    co_await writer.finish();
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // After an early error response: reads and discards what the client still
  // sends (briefly, bounded) so closing does not reset the connection before
  // the client has read the response.
  static asio::awaitable<void> linger_close(beast::tcp_stream& stream) {
    std::vector<char> scratch(64 * 1024);
    std::size_t total = 0;
    stream.expires_after(std::chrono::seconds(1));
    while (total < 8 * 1024 * 1024) {
      auto [ec, n] =
          co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      total += n;
    }
  }

  // Maps a request read error to the response owed to the client, if any.
  static std::optional<HttpResponse> read_error_response(const beast::error_code& ec) {
    if (ec == http::error::header_limit) return HttpResponse::text(431, "request header fields too large\n");
    if (ec == http::error::body_limit) return HttpResponse::text(413, "payload too large\n");
    const beast::error_code any_http_error = http::error::end_of_stream;
    if (ec.category() == any_http_error.category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      return HttpResponse::text(400, "bad request\n");
    }
    return std::nullopt;  // timeout, reset, closed: nobody to answer
  }

  // One open connection. Idle: waiting for the first bytes of a request, so
  // it may be closed to make room for a newcomer.
  struct OpenConnection {
    std::string client;
    bool idle = true;
    std::uint64_t idle_since = 0;  // a sequence number: smaller is older
  };

  std::size_t open_from(const std::string& client) const {
    auto it = per_client.find(client);
    return it == per_client.end() ? 0 : it->second;
  }

  // Closes the idle connection that has waited longest, among `client`'s
  // connections (or, with client empty, those of the client holding the
  // most). Returns false when there is none.
  bool evict_idle(const std::string& client) {
    auto victim = open.end();
    for (auto it = open.begin(); it != open.end(); ++it) {
      const OpenConnection& c = it->second;
      if (!c.idle || (!client.empty() && c.client != client)) continue;
      if (victim == open.end()) {
        victim = it;
        continue;
      }
      const std::size_t mine = open_from(c.client), theirs = open_from(victim->second.client);
      if (mine > theirs || (mine == theirs && c.idle_since < victim->second.idle_since)) victim = it;
    }
    if (victim == open.end()) return false;
    logger()->debug("web: closing an idle connection of {} to make room", victim->second.client);
    beast::error_code ignored;
    victim->first->socket().close(ignored);
    forget(victim->first);
    return true;
  }

  // Makes room for one more connection from `client`; false when every
  // connection that would have to go is busy with a request.
  bool make_room(const std::string& client) {
    if (open_from(client) >= options.max_connections_per_client && !evict_idle(client)) return false;
    if (open.size() >= options.max_connections && !evict_idle("")) return false;
    return true;
  }

  void remember(beast::tcp_stream* stream, const std::string& client) {
    open.emplace(stream, OpenConnection{client, true, ++idle_sequence});
    ++per_client[client];
  }

  // Drops a connection from the books (once: an evicted one is already gone).
  void forget(beast::tcp_stream* stream) {
    auto it = open.find(stream);
    if (it == open.end()) return;
    auto count = per_client.find(it->second.client);
    if (--count->second == 0) per_client.erase(count);
    open.erase(it);
  }

  // Marks the connection idle or busy; false when it was evicted meanwhile.
  bool set_idle(beast::tcp_stream* stream, bool idle) {
    auto it = open.find(stream);
    if (it == open.end()) return false;
    it->second.idle = idle;
    if (idle) it->second.idle_since = ++idle_sequence;
    return true;
  }

  // Reads one request: its first bytes within `first_byte_timeout` (idle, may
  // be evicted), its header within header_timeout, its body within read_timeout.
  asio::awaitable<beast::error_code> read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                                  http::request_parser<http::string_body>& parser,
                                                  std::chrono::milliseconds first_byte_timeout) {
    if (buffer.size() == 0) {
      set_idle(&stream, true);
      stream.expires_after(first_byte_timeout);
      auto [ec, n] =
          co_await stream.async_read_some(buffer.prepare(4096), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return ec;
      buffer.commit(n);
      if (!set_idle(&stream, false)) co_return beast::error_code(asio::error::operation_aborted);
    }
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(largest_body_limit());
    stream.expires_after(options.header_timeout);
    auto [header_ec, header_bytes] =
        co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (header_ec) co_return header_ec;
    const auto& header = parser.get();
    const std::string target(header.target());
    const std::size_t limit =
        body_limit_for(std::string(header.method_string()), target.substr(0, target.find('?')));
    if (parser.content_length() && *parser.content_length() > limit)
      co_return beast::error_code(http::error::body_limit);
    parser.body_limit(limit);
    stream.expires_after(options.read_timeout);
    auto [body_ec, body_bytes] =
        co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    co_return body_ec;
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    auto self = shared_from_this();
    beast::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string peer = net::peer_text(remote);
    const std::string client = net::client_key(remote.address());
    beast::tcp_stream stream(std::move(socket));
    if (!make_room(client)) {
      refusals.warn(client, [&] {
        return log::text("log.web_refused_full", fmt::arg("peer", peer), fmt::arg("open", open.size()),
                         fmt::arg("from_client", open_from(client)));
      });
      HttpResponse busy = HttpResponse::text(503, "too many connections\n");
      co_await send(stream, std::move(busy), 11, false);
      co_await linger_close(stream);
      co_return;
    }
    remember(&stream, client);
    beast::flat_buffer buffer;
    bool first = true;
    while (!stopped) {
      http::request_parser<http::string_body> parser;
      const auto first_byte_timeout = first ? options.header_timeout : options.idle_timeout;
      first = false;
      const beast::error_code ec = co_await read_request(stream, buffer, parser, first_byte_timeout);
      if (ec) {
        std::optional<HttpResponse> response = read_error_response(ec);
        if (ec == http::error::body_limit) {  // the header's fields are read by then
          const std::string target(parser.get().target());
          response =
              too_large_for(std::string(parser.get().method_string()), target.substr(0, target.find('?')));
        }
        if (response) {
          refusals.log(spdlog::level::info, client, [&] {
            return log::text("log.web_bad_request", fmt::arg("status", response->status),
                             fmt::arg("peer", peer), fmt::arg("reason", ec.message()));
          });
          co_await send(stream, std::move(*response), 11, false);
          co_await linger_close(stream);
        } else if (ec != http::error::end_of_stream) {
          logger()->debug("web: connection from {} ended: {}", peer, ec.message());
        }
        break;
      }
      http::request<http::string_body> req = parser.release();
      const unsigned version = req.version();
      const bool keep_alive = req.keep_alive();
      HttpRequest request = to_request(req, peer);
      if (const auto coding = request.headers.find("transfer-encoding");
          coding != request.headers.end() && !net::is_plain_chunked(coding->second)) {
        // Beast reads such a request as one without a body; the bytes after
        // it would then pass for the next request.
        logger()->info("{}", log::text("log.web_bad_coding", fmt::arg("peer", peer),
                                       fmt::arg("coding", log::truncate(coding->second, 80))));
        HttpResponse refused = HttpResponse::text(400, "bad request: unsupported Transfer-Encoding\n");
        co_await send(stream, std::move(refused), version, false);
        co_await linger_close(stream);
        break;
      }
      HttpResponse response = co_await dispatch(request);
      logger()->debug("web: {} {} from {} -> {}", request.method, log::truncate(request.path, kLoggedBytes),
                      peer, response.status);
      if (response.stream) {
        co_await send_stream(stream, std::move(response), version);
        break;
      }
      if (!co_await send(stream, std::move(response), version, keep_alive)) break;
    }
    forget(&stream);
    stream.close();
  }

  asio::any_io_executor executor;
  net::TcpListener listener;
  Options options;
  std::vector<Route> routes;
  std::map<beast::tcp_stream*, OpenConnection> open;
  std::map<std::string, std::size_t> per_client;  // open connections by net::client_key
  std::uint64_t idle_sequence = 0;
  ThrottledLog refusals;  // lines a client triggers at will: a budget per client
  std::uint16_t port = 0;
  bool stopped = false;
};

HttpServer::HttpServer(asio::any_io_executor executor, Options options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

asio::any_io_executor HttpServer::executor() const { return impl_->executor; }

void HttpServer::route(std::string method, std::string path_prefix, Handler handler,
                       RouteOptions route_options) {
  for (auto& route : impl_->routes) {
    if (route.method == method && route.prefix == path_prefix) {
      route.handler = std::move(handler);
      route.options = std::move(route_options);
      return;
    }
  }
  impl_->routes.push_back(
      Route{std::move(method), std::move(path_prefix), std::move(handler), std::move(route_options)});
}

Result<std::uint16_t> HttpServer::start() {
  auto port =
      impl_->listener.start(impl_->options.host, impl_->options.port,
                            [weak = std::weak_ptr<Impl>(impl_)](tcp::socket socket) -> asio::awaitable<void> {
                              if (auto impl = weak.lock()) co_await impl->serve(std::move(socket));
                            });
  if (!port) return port.error();
  impl_->port = *port;
  logger()->info("{}", log::text("log.web_listening", fmt::arg("address", impl_->options.host + ":" +
                                                                              std::to_string(impl_->port))));
  return port;
}

void HttpServer::stop() {
  impl_->stopped = true;
  impl_->listener.stop();
  beast::error_code ignored;
  for (auto& [stream, connection] : impl_->open) stream->socket().close(ignored);
}

std::uint16_t HttpServer::port() const { return impl_->port; }
const HttpServer::Options& HttpServer::options() const { return impl_->options; }
std::size_t HttpServer::connections() const { return impl_->open.size(); }

}  // namespace picbot::web
