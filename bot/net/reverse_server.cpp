#include "bot/net/reverse_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/core/throttled_log.h"
#include "bot/net/client_key.h"
#include "bot/net/tcp_listener.h"
#include "bot/net/transfer_encoding.h"
#include "bot/net/websocket_session.h"

namespace picbot::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
auto logger() {
  static auto l = log::get("transport");
  return l;
}

std::string query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

std::string presented_token(const http::request<http::empty_body>& req, std::string_view query) {
  const auto auth = req[http::field::authorization];
  for (std::string_view scheme : {"Bearer ", "Token "}) {
    if (auth.size() >= scheme.size() && auth.substr(0, scheme.size()) == scheme) {
      return std::string(auth.substr(scheme.size()));
    }
  }
  return query_param(query, "access_token");
}
// Every Transfer-Encoding field of req joined with ", ", or nullopt when it has none.
std::optional<std::string> transfer_encoding_of(const http::request<http::empty_body>& req) {
  std::optional<std::string> joined;
  const auto [first, last] = req.equal_range(http::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    if (joined) {
      *joined += ", ";
    } else {
      joined.emplace();
    }
    *joined += field->value();
  }
  return joined;
}

}  // namespace

// Bytes from a peer that go into a log line are cut to this many.
constexpr std::size_t kLoggedBytes = 200;

struct ReverseServer::Impl : std::enable_shared_from_this<ReverseServer::Impl> {
  Impl(asio::any_io_executor executor, Options opts, onebot::LinkHandler& h)
      : listener(std::move(executor), "onebot.listen"),
        options(std::move(opts)),
        handler(h),
        refusals(logger(), "log.what_refused_connections", Clock::system()) {}

  // A connection still in its upgrade (not yet authenticated): counted
  // against Options::max_pending and max_pending_per_client until released.
  class PendingSlot {
   public:
    PendingSlot(Impl& impl, std::string client) : impl_(impl), client_(std::move(client)) {
      ++impl_.pending;
      ++impl_.pending_by_client[client_];
    }
    ~PendingSlot() {
      --impl_.pending;
      auto it = impl_.pending_by_client.find(client_);
      if (--it->second == 0) impl_.pending_by_client.erase(it);
    }
    PendingSlot(const PendingSlot&) = delete;
    PendingSlot& operator=(const PendingSlot&) = delete;

   private:
    Impl& impl_;
    std::string client_;
  };

  std::size_t pending_from(const std::string& client) const {
    auto it = pending_by_client.find(client);
    return it == pending_by_client.end() ? 0 : it->second;
  }

  static asio::awaitable<void> respond(beast::tcp_stream& stream, http::status status, std::string body) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::server, "picbot");
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.keep_alive(false);
    res.body() = std::move(body);
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  asio::awaitable<void> handle(tcp::socket socket) {
    auto self = shared_from_this();
    beast::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string peer = peer_text(remote);
    const std::string client = client_key(remote.address());
    if (pending >= options.max_pending || pending_from(client) >= options.max_pending_per_client) {
      refusals.warn(client, [&] {
        return log::text("log.reverse_refused_pending", fmt::arg("peer", peer), fmt::arg("pending", pending),
                         fmt::arg("from_client", pending_from(client)));
      });
      co_return;  // closes the socket unread
    }
    std::optional<PendingSlot> slot;
    slot.emplace(*this, client);
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(options.upgrade_timeout);
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      logger()->debug("reverse WS: bad upgrade request from {}: {}", peer, ec.message());
      co_return;
    }
    http::request<http::empty_body> req = parser.release();
    if (const auto coding = transfer_encoding_of(req); coding && !is_plain_chunked(*coding)) {
      refusals.warn(client, [&] {
        return log::text("log.reverse_refused_coding", fmt::arg("peer", peer),
                         fmt::arg("coding", log::truncate(*coding, 80)));
      });
      co_await respond(stream, http::status::bad_request, "unsupported Transfer-Encoding\n");
      co_return;
    }
    const std::string_view target = req.target();
    const std::size_t qmark = target.find('?');
    const std::string_view path = target.substr(0, qmark);
    const std::string_view query =
        qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

    if (path != options.path) {
      refusals.warn(client, [&] {
        return log::text("log.reverse_wrong_path", fmt::arg("peer", peer),
                         fmt::arg("path", log::truncate(path, kLoggedBytes)),
                         fmt::arg("expected", options.path));
      });
      co_await respond(stream, http::status::not_found,
                       "not found; OneBot endpoint is " + options.path + "\n");
      co_return;
    }
    if (!websocket::is_upgrade(req)) {
      co_await respond(stream, http::status::upgrade_required,
                       "picbot OneBot v11 reverse WebSocket endpoint\n");
      co_return;
    }
    if (!options.access_token.empty() &&
        !constant_time_equals(presented_token(req, query), options.access_token)) {
      refusals.warn(client, [&] {
        return log::text("log.reverse_refused_token", fmt::arg("peer", peer),
                         fmt::arg("self_id", log::truncate(req["X-Self-ID"], 32)));
      });
      co_await respond(stream, http::status::unauthorized, "missing or wrong access token\n");
      co_return;
    }
    if (connections >= options.max_connections) {
      refusals.warn(client, [&] {
        return log::text("log.reverse_refused_full", fmt::arg("peer", peer), fmt::arg("count", connections));
      });
      co_await respond(stream, http::status::service_unavailable, "too many connections\n");
      co_return;
    }

    onebot::LinkInfo info;
    const std::string_view self_text = req["X-Self-ID"];
    std::from_chars(self_text.data(), self_text.data() + self_text.size(), info.self_id);
    info.role = std::string(req["X-Client-Role"]);

    websocket::stream<beast::tcp_stream> ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "picbot"); }));
    ws.read_message_max(options.max_message_bytes);
    auto [accept_ec] = co_await ws.async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (accept_ec) {
      // A named copy: clang 14 cannot capture a structured binding in a lambda.
      const beast::error_code refused = accept_ec;
      refusals.warn(client, [&] {
        return log::text("log.reverse_handshake_failed", fmt::arg("peer", peer),
                         fmt::arg("reason", refused.message()));
      });
      co_return;
    }
    slot.reset();
    beast::get_lowest_layer(ws).expires_never();
    ++connections;
    auto session = std::make_shared<PlainSession>(std::move(ws), "reverse " + peer, handler,
                                                  SessionOptions{options.max_message_bytes});
    co_await session->run(info);
    --connections;
  }

  TcpListener listener;
  Options options;
  onebot::LinkHandler& handler;
  std::size_t connections = 0;
  std::size_t pending = 0;
  std::map<std::string, std::size_t> pending_by_client;
  ThrottledLog refusals;  // lines a peer triggers at will: a budget per client
};

ReverseServer::ReverseServer(asio::any_io_executor executor, Options options, onebot::LinkHandler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

ReverseServer::~ReverseServer() { stop(); }

Result<std::uint16_t> ReverseServer::start() {
  auto port =
      impl_->listener.start(impl_->options.host, impl_->options.port,
                            [weak = std::weak_ptr<Impl>(impl_)](tcp::socket socket) -> asio::awaitable<void> {
                              if (auto impl = weak.lock()) co_await impl->handle(std::move(socket));
                            });
  if (!port) return port.error();
  logger()->info("{}", log::text("log.reverse_listening",
                                 fmt::arg("address", impl_->options.host + ":" + std::to_string(*port) +
                                                         impl_->options.path)));
  return port;
}

void ReverseServer::stop() { impl_->listener.stop(); }

std::size_t ReverseServer::connections() const { return impl_->connections; }

}  // namespace picbot::net
