#include "tests/fakes/http/fake_http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "bot/core/text.h"

namespace picbot::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t kMaxRequestBody = 256ull * 1024 * 1024;
constexpr auto kUpstreamTimeout = std::chrono::seconds(30);

bool is_absolute_http(const std::string& target) { return target.rfind("http://", 0) == 0; }

struct Route {
  std::string method;
  std::string prefix;
  std::shared_ptr<const FakeHttpServer::Handler> handler;
};

// Everything sessions share with the public object. Only the mutex-guarded
// members are touched from other threads.
struct ServerState {
  ServerState() : work(io.get_executor()), acceptor(io) {}

  void record(const FakeHttpRequest& request) {
    {
      std::lock_guard lock(mutex);
      requests.push_back(request);
    }
    arrived.notify_all();
  }

  FakeHttpResponse dispatch(const FakeHttpRequest& request) {
    const std::string path = request.path();
    std::shared_ptr<const FakeHttpServer::Handler> handler;
    {
      std::lock_guard lock(mutex);
      std::size_t best_length = 0;
      for (const Route& route : routes) {
        const bool method_matches = route.method == "*" || route.method == request.method;
        if (method_matches && path.rfind(route.prefix, 0) == 0 &&
            (handler == nullptr || route.prefix.size() >= best_length)) {
          handler = route.handler;
          best_length = route.prefix.size();
        }
      }
    }
    if (handler == nullptr) return FakeHttpResponse::text("no route for " + request.method + " " + path, 404);
    try {
      return (*handler)(request);
    } catch (const std::exception& e) {
      return FakeHttpResponse::text(std::string("handler threw: ") + e.what(), 500);
    }
  }

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::atomic<bool> forward_proxy{false};
  std::atomic<std::size_t> connections{0};

  mutable std::mutex mutex;
  mutable std::condition_variable arrived;
  std::vector<FakeHttpRequest> requests;  // guarded by mutex
  std::vector<Route> routes;              // guarded by mutex
  std::set<std::string> origins;          // guarded by mutex: authorities answered here in proxy mode

  // True when an absolute-form target names an authority in origins.
  bool stands_in_for(const std::string& target) const {
    const std::size_t start = target.find("://") + 3;
    const std::string authority = target.substr(start, target.find('/', start) - start);
    std::lock_guard lock(mutex);
    return origins.contains(authority);
  }
};

FakeHttpRequest to_fake(const http::request<http::string_body>& request) {
  FakeHttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  out.body = request.body();
  for (const auto& field : request) {
    std::string& value = out.headers[to_lower(field.name_string())];
    if (!value.empty()) value += ", ";
    value += std::string(field.value());
  }
  return out;
}

class Session;

// One forwarded request: resolve, connect, write, read, hand the response back.
class ProxyExchange : public std::enable_shared_from_this<ProxyExchange> {
 public:
  using Done = std::function<void(http::response<http::string_body>)>;

  ProxyExchange(asio::io_context& io, http::request<http::string_body> request, Done done)
      : resolver_(io), stream_(io), request_(std::move(request)), done_(std::move(done)) {}

  void start() {
    // target: http://host[:port][/path]
    const std::string target(request_.target());
    const std::string rest = target.substr(std::strlen("http://"));
    const std::size_t slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
    std::string host = authority;
    std::string port = "80";
    const std::size_t colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    request_.target(path);
    request_.erase("proxy-connection");
    request_.erase("proxy-authorization");
    request_.keep_alive(false);
    resolver_.async_resolve(
        host, port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          if (ec) return self->fail("resolve", ec);
          self->stream_.expires_after(kUpstreamTimeout);
          self->stream_.async_connect(results, [self](beast::error_code ec, const auto&) {
            if (ec) return self->fail("connect", ec);
            self->write();
          });
        });
  }

 private:
  void write() {
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write", ec);
      self->parser_.body_limit(kMaxRequestBody);
      http::async_read(self->stream_, self->buffer_, self->parser_,
                       [self](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail("read", ec);
                         http::response<http::string_body> response = self->parser_.release();
                         response.chunked(false);
                         response.prepare_payload();
                         self->done_(std::move(response));
                       });
    });
  }

  void fail(const char* step, beast::error_code ec) {
    http::response<http::string_body> response{http::status::bad_gateway, 11};
    response.set(http::field::content_type, "text/plain");
    response.body() = std::string("proxy ") + step + " failed: " + ec.message();
    response.prepare_payload();
    done_(std::move(response));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  Done done_;
};

// One client connection: read a request, act on it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& server)
      : server_(server), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec) return close();
    http::request<http::string_body> request = parser_->release();
    keep_alive_ = request.keep_alive();
    head_ = request.method() == http::verb::head;
    const FakeHttpRequest recorded = to_fake(request);
    server_.record(recorded);
    if (server_.forward_proxy && is_absolute_http(recorded.target) &&
        !server_.stands_in_for(recorded.target)) {
      auto exchange = std::make_shared<ProxyExchange>(
          server_.io, std::move(request),
          [self = shared_from_this()](http::response<http::string_body> response) {
            self->respond(std::move(response));
          });
      exchange->start();
      return;
    }
    FakeHttpResponse response = server_.dispatch(recorded);
    if (response.delay.count() <= 0) return act(std::move(response));
    timer_.expires_after(response.delay);
    timer_.async_wait(
        [self = shared_from_this(), response = std::move(response)](beast::error_code ec) mutable {
          if (!ec) self->act(std::move(response));
        });
  }

  void act(FakeHttpResponse response) {
    switch (response.action) {
      case FakeHttpResponse::Action::kRespond:
        if (response.stream) return start_stream(response);
        return respond(build(response));
      case FakeHttpResponse::Action::kReset:
        return reset();
      case FakeHttpResponse::Action::kHang:
        return hang();
      case FakeHttpResponse::Action::kTruncate:
        return truncate(response);
    }
  }

  http::response<http::string_body> build(const FakeHttpResponse& spec) const {
    http::response<http::string_body> response{static_cast<http::status>(spec.status), 11};
    for (const auto& [name, value] : spec.headers) response.insert(name, value);
    response.body() = spec.body;
    if (spec.chunked) {
      response.chunked(true);
    } else {
      response.prepare_payload();
    }
    return response;
  }

  void respond(http::response<http::string_body> response) {
    response.keep_alive(keep_alive_);
    auto message = std::make_shared<http::response<http::string_body>>(std::move(response));
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*message);
    if (head_) serializer->split(true);
    auto on_written = [self = shared_from_this(), message, serializer](beast::error_code ec, std::size_t) {
      if (ec || !self->keep_alive_) return self->shutdown();
      self->read();
    };
    if (head_) {
      http::async_write_header(stream_, *serializer, std::move(on_written));
    } else {
      http::async_write(stream_, *serializer, std::move(on_written));
    }
  }

  // A streamed body: the head now, then one chunk per piece the test sends,
  // one write at a time; a read stays pending to notice the client leaving.
  void start_stream(const FakeHttpResponse& spec) {
    stream_body_ = spec.stream;
    std::string head = "HTTP/1.1 " + std::to_string(spec.status) + " " +
                       std::string(http::obsolete_reason(static_cast<http::status>(spec.status))) + "\r\n";
    for (const auto& [name, value] : spec.headers) head += name + ": " + value + "\r\n";
    head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    outbox_.push_back(OutItem{std::move(head), false, false});
    write_next();
    watch_client();
    std::weak_ptr<Session> weak = shared_from_this();
    auto executor = stream_.get_executor();
    spec.stream->attach([weak, executor](FakeBodyStream::Step step) {
      asio::post(executor, [weak, step = std::move(step)]() mutable {
        if (auto self = weak.lock()) self->on_step(std::move(step));
      });
    });
  }

  void on_step(FakeBodyStream::Step step) {
    switch (step.kind) {
      case FakeBodyStream::Step::Kind::kPiece: {
        if (step.piece.empty()) return;  // an empty chunk would end the body
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", step.piece.size());
        outbox_.push_back(OutItem{size + std::move(step.piece) + "\r\n", true, false});
        break;
      }
      case FakeBodyStream::Step::Kind::kFinish:
        outbox_.push_back(OutItem{"0\r\n\r\n", false, true});
        break;
      case FakeBodyStream::Step::Kind::kCut:
        outbox_.clear();
        return reset();
    }
    write_next();
  }

  void write_next() {
    if (writing_ || outbox_.empty()) return;
    writing_ = true;
    asio::async_write(stream_.socket(), asio::buffer(outbox_.front().bytes),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec || self->outbox_.empty()) return self->close();
                        const OutItem done = std::move(self->outbox_.front());
                        self->outbox_.pop_front();
                        if (done.is_piece) self->stream_body_->note_written();
                        if (done.last) return self->shutdown();
                        self->write_next();
                      });
  }

  void watch_client() {
    stream_.socket().async_read_some(asio::buffer(scratch_),
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                       if (!ec) return self->watch_client();
                                       if (ec != asio::error::operation_aborted && self->stream_body_) {
                                         self->stream_body_->note_client_gone();
                                       }
                                     });
  }

  void reset() {
    beast::error_code ignored;
    stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    stream_.socket().close(ignored);
  }

  // Reads and discards until the client goes away; never answers.
  void hang() {
    stream_.socket().async_read_some(asio::buffer(scratch_),
                                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                       if (ec) return self->close();
                                       self->hang();
                                     });
  }

  void truncate(const FakeHttpResponse& spec) {
    std::string raw = "HTTP/1.1 " + std::to_string(spec.status) + " " +
                      std::string(http::obsolete_reason(static_cast<http::status>(spec.status))) + "\r\n";
    for (const auto& [name, value] : spec.headers) raw += name + ": " + value + "\r\n";
    raw += "Content-Length: " + std::to_string(spec.body.size() + 1024) + "\r\n\r\n" + spec.body;
    auto buffer = std::make_shared<std::string>(std::move(raw));
    asio::async_write(
        stream_.socket(), asio::buffer(*buffer),
        [self = shared_from_this(), buffer](beast::error_code, std::size_t) { self->shutdown(); });
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    close();
  }

  void close() {
    beast::error_code ignored;
    timer_.cancel();
    stream_.socket().close(ignored);
  }

  ServerState& server_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> scratch_{};
  bool keep_alive_ = true;
  bool head_ = false;

  struct OutItem {
    std::string bytes;
    bool is_piece = false;  // a piece the test sent (counted once written)
    bool last = false;      // the body's end: close after it
  };
  std::shared_ptr<FakeBodyStream> stream_body_;  // while streaming
  std::deque<OutItem> outbox_;
  bool writing_ = false;
};

void accept_loop(ServerState& server) {
  server.acceptor.async_accept([&server](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      ++server.connections;
      std::make_shared<Session>(std::move(socket), server)->start();
    }
    accept_loop(server);
  });
}

}  // namespace

class FakeHttpServer::Impl {
 public:
  Impl() {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state.acceptor.open(endpoint.protocol());
    state.acceptor.set_option(asio::socket_base::reuse_address(true));
    state.acceptor.bind(endpoint);
    state.acceptor.listen(asio::socket_base::max_listen_connections);
    state.port = state.acceptor.local_endpoint().port();
    accept_loop(state);
    thread = std::thread([this] { state.io.run(); });
  }

  ~Impl() {
    // Stopping abandons every connection; their handlers (and sessions) are
    // destroyed with the io_context.
    state.io.stop();
    thread.join();
  }

  ServerState state;
  std::thread thread;
};

std::string FakeHttpRequest::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string FakeHttpRequest::path() const {
  if (!is_absolute_http(target) && target.rfind("https://", 0) != 0) return target;
  const std::size_t authority = target.find("://") + 3;
  const std::size_t slash = target.find('/', authority);
  return slash == std::string::npos ? "/" : target.substr(slash);
}

nlohmann::json FakeHttpRequest::json() const { return nlohmann::json::parse(body); }

FakeHttpResponse FakeHttpResponse::text(std::string body, int status) {
  FakeHttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  response.body = std::move(body);
  return response;
}

FakeHttpResponse FakeHttpResponse::json(const nlohmann::json& body, int status) {
  FakeHttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

FakeHttpServer::FakeHttpServer() : impl_(std::make_unique<Impl>()) {}

FakeHttpServer::~FakeHttpServer() = default;

std::uint16_t FakeHttpServer::port() const { return impl_->state.port; }

std::string FakeHttpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

void FakeHttpServer::on(std::string method, std::string path_prefix, Handler handler) {
  auto shared = std::make_shared<const Handler>(std::move(handler));
  std::lock_guard lock(impl_->state.mutex);
  for (Route& route : impl_->state.routes) {
    if (route.method == method && route.prefix == path_prefix) {
      route.handler = std::move(shared);
      return;
    }
  }
  impl_->state.routes.push_back(Route{std::move(method), std::move(path_prefix), std::move(shared)});
}

void FakeHttpServer::set_forward_proxy(bool enabled) { impl_->state.forward_proxy = enabled; }

void FakeHttpServer::stand_in_for(std::string authority) {
  std::lock_guard lock(impl_->state.mutex);
  impl_->state.origins.insert(std::move(authority));
}

std::vector<FakeHttpRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->state.requests;
}

std::size_t FakeHttpServer::request_count() const {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->state.requests.size();
}

bool FakeHttpServer::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->state.mutex);
  return impl_->state.arrived.wait_for(lock, timeout, [&] { return impl_->state.requests.size() >= n; });
}

void FakeHttpServer::clear_requests() {
  std::lock_guard lock(impl_->state.mutex);
  impl_->state.requests.clear();
}

std::size_t FakeHttpServer::connection_count() const { return impl_->state.connections; }

}  // namespace picbot::testing
