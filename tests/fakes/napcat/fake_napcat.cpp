#include "tests/fakes/napcat/fake_napcat.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "bot/core/text.h"
#include "tests/fakes/napcat/cq_encode.h"

namespace picbot::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;
using nlohmann::ordered_json;  // frames keep NapCat's key order
using WebSocket = websocket::stream<beast::tcp_stream>;

constexpr auto kStepTimeout = std::chrono::seconds(10);
constexpr std::size_t kReadLimit = std::size_t{128} << 20;  // NapCat frames reach 50 MB
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// NapCat's answer to a wrong token, byte for byte.
constexpr std::string_view kBadTokenFrame =
    R"({"status":"failed","retcode":1403,"data":null,"message":"token验证失败","wording":"token验证失败","echo":null})";

void log_line(const std::string& line) { std::fprintf(stderr, "[fake-napcat] %s\n", line.c_str()); }

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <class Json>
std::string to_frame(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void configure(WebSocket& ws) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = kStepTimeout;  // also bounds the close handshake
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.read_message_max(kReadLimit);
}

// OB11Response in NapCat's action/OneBotAction.ts: a streamed action's
// failure carries {type:"error", data_type:"error"} instead of null.
ordered_json response_frame(int retcode, const json& data, const std::string& message,
                            const std::string& wording, const std::optional<json>& echo, bool streamed) {
  ordered_json frame;
  frame["status"] = retcode == kRetcodeOk ? "ok" : "failed";
  frame["retcode"] = retcode;
  if (retcode == kRetcodeOk) {
    frame["data"] = ordered_json(data);
  } else if (streamed) {
    frame["data"] = ordered_json{{"type", "error"}, {"data_type", "error"}};
  } else {
    frame["data"] = nullptr;
  }
  frame["message"] = message;
  frame["wording"] = wording.empty() ? message : wording;
  if (echo) frame["echo"] = ordered_json(*echo);
  frame["stream"] = streamed ? "stream-action" : "normal-action";
  return frame;
}

ordered_json meta_event(std::int64_t self_id, const char* type) {
  ordered_json event;
  event["time"] = unix_seconds();
  event["self_id"] = self_id;
  event["post_type"] = "meta_event";
  event["meta_event_type"] = type;
  return event;
}

ordered_json lifecycle_event(std::int64_t self_id) {
  ordered_json event = meta_event(self_id, "lifecycle");
  event["sub_type"] = "connect";
  return event;
}

ordered_json heartbeat_event(std::int64_t self_id, int interval_ms) {
  ordered_json event = meta_event(self_id, "heartbeat");
  event["status"] = {{"online", true}, {"good", true}};
  event["interval"] = interval_ms;
  return event;
}

json message_segments(const json& message) {
  if (message.is_array()) return message;
  if (message.is_object()) return json::array({message});
  return json::array(
      {{{"type", "text"}, {"data", {{"text", message.is_string() ? message : json(message.dump())}}}}});
}

// Node's querystring decoding: %XX and '+'.
std::string url_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

std::string query_parameter(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

// NapCat: a non-empty ?access_token= wins, else what follows "Bearer " in
// Authorization (or the whole header without it).
bool token_accepted(const std::string& expected, const std::string& target,
                    const std::map<std::string, std::string>& headers) {
  if (expected.empty()) return true;
  std::string presented = query_parameter(target, "access_token");
  if (presented.empty()) {
    auto it = headers.find("authorization");
    if (it != headers.end()) {
      const auto bearer = it->second.rfind("Bearer ");
      presented = bearer == std::string::npos ? it->second : it->second.substr(bearer + 7);
    }
  }
  return presented == expected;
}

}  // namespace

struct FakeNapCat::Impl {
  explicit Impl(Options opts) : options(std::move(opts)), work(asio::make_work_guard(ioc)) {}

  // Runs f on the network thread and returns its result (or rethrows).
  template <class F>
  auto run_sync(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(ioc, std::move(task));
    return result.get();
  }

  std::int64_t self_id_of(int conn) const {
    std::lock_guard lock(mu);
    auto it = states.find(conn);
    return it == states.end() ? options.self_id : it->second.self_id;
  }

  void send_to(int conn, std::string frame);
  std::int64_t send_message_event(int conn, ordered_json event);
  int register_connection(WebSocket ws, std::int64_t self_id, bool carries_events);
  void on_closed(int conn, std::optional<int> peer_close_code);
  void record_call(ApiCall call);
  void shutdown();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve_upgrade(tcp::socket socket);
  asio::awaitable<void> connect_reverse(std::uint16_t port, std::string path, std::int64_t self_id,
                                        std::string token, std::shared_ptr<std::promise<ConnectResult>> done);

  const Options options;
  asio::io_context ioc;  // declared first: destroyed after everything that uses it
  asio::executor_work_guard<asio::io_context::executor_type> work;
  NapCatActions actions;

  // Network thread only.
  std::optional<tcp::acceptor> acceptor;
  std::map<int, std::shared_ptr<Connection>> live;

  struct ConnectionState {
    std::int64_t self_id = 0;
    bool open = true;
    std::optional<int> peer_close_code;
  };
  mutable std::mutex mu;
  std::condition_variable cv;
  std::uint16_t port = 0;  // guarded by mu (as is everything below)
  int last_connection_id = 0;
  std::map<int, ConnectionState> states;
  std::vector<ApiCall> calls;
  std::map<std::string, std::string> upgrade_headers;
  std::string upgrade_target;
  std::size_t auth_failures = 0;

  std::thread thread;  // started last, joined in FakeNapCat's destructor
};

// One WebSocket link: a read loop, a write queue drained by one writer, and
// optional heartbeats. Lives while one of its coroutines or Impl::live holds it.
class FakeNapCat::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl& owner, int id, std::int64_t self_id, bool carries_events, WebSocket ws)
      : owner_(owner),
        id_(id),
        self_id_(self_id),
        carries_events_(carries_events),
        ws_(std::move(ws)),
        heartbeat_timer_(ws_.get_executor()) {}

  void start() {
    asio::co_spawn(ws_.get_executor(), read_loop(shared_from_this()), asio::detached);
    if (!carries_events_) return;
    if (owner_.options.send_lifecycle) send(to_frame(lifecycle_event(self_id_)));
    if (owner_.options.send_heartbeats) {
      asio::co_spawn(ws_.get_executor(), heartbeat_loop(shared_from_this()), asio::detached);
    }
  }

  void send(std::string frame) { enqueue(Outgoing{Outgoing::Kind::kFrame, std::move(frame), 0}); }
  void close(int code) { enqueue(Outgoing{Outgoing::Kind::kClose, {}, code}); }
  void drop() { enqueue(Outgoing{Outgoing::Kind::kDrop, {}, 0}); }

  // Closes the socket at once; used when the fake shuts down.
  void abort() {
    finished_ = true;
    heartbeat_timer_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

 private:
  struct Outgoing {
    enum class Kind { kFrame, kClose, kDrop } kind;
    std::string frame;
    int code = 0;
  };

  void enqueue(Outgoing item) {
    if (finished_ || close_requested_) return;
    if (item.kind != Outgoing::Kind::kFrame) close_requested_ = true;
    queue_.push_back(std::move(item));
    if (writing_) return;
    writing_ = true;
    asio::co_spawn(ws_.get_executor(), write_loop(shared_from_this()), asio::detached);
  }

  asio::awaitable<void> write_loop(std::shared_ptr<Connection> self) {
    while (!queue_.empty() && !finished_) {
      Outgoing item = std::move(queue_.front());
      queue_.pop_front();
      if (item.kind == Outgoing::Kind::kDrop) {
        closing_by_us_ = true;
        beast::get_lowest_layer(ws_).close();
        break;
      }
      if (item.kind == Outgoing::Kind::kClose) {
        closing_by_us_ = true;
        const websocket::close_reason reason(static_cast<std::uint16_t>(item.code));
        co_await ws_.async_close(reason, use_tuple);
        break;
      }
      // Beast has no write deadline for WebSocket streams: a watchdog closes
      // the socket if the bot stops reading.
      asio::steady_timer watchdog(ws_.get_executor(), kStepTimeout);
      watchdog.async_wait([this, self](beast::error_code ec) {
        if (ec) return;
        log_line("write timed out on connection " + std::to_string(id_));
        beast::get_lowest_layer(ws_).close();
      });
      ws_.text(true);
      auto [ec, written] = co_await ws_.async_write(asio::buffer(item.frame), use_tuple);
      watchdog.cancel();
      if (ec) break;
    }
    queue_.clear();
    writing_ = false;
  }

  asio::awaitable<void> read_loop(std::shared_ptr<Connection> self) {
    beast::flat_buffer buffer;
    while (true) {
      auto [ec, size] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) {
        std::optional<int> peer_close_code;
        if (!closing_by_us_ && !finished_) {
          const auto code = static_cast<int>(ws_.reason().code);
          peer_close_code = ec != websocket::error::closed ? -1 : code == 0 ? 1005 : code;
        }
        finish(peer_close_code);
        co_return;
      }
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      handle_frame(std::move(text));
    }
  }

  asio::awaitable<void> heartbeat_loop(std::shared_ptr<Connection> self) {
    const int interval = owner_.options.heartbeat_interval_ms;
    while (!finished_) {
      heartbeat_timer_.expires_after(std::chrono::milliseconds(interval));
      auto [ec] = co_await heartbeat_timer_.async_wait(use_tuple);
      if (ec || finished_) co_return;
      send(to_frame(heartbeat_event(self_id_, interval)));
    }
  }

  // Parses one frame as NapCat does, records it and answers it.
  void handle_frame(std::string text) {
    ApiCall call;
    call.conn = id_;
    call.self_id = self_id_;
    call.raw = std::move(text);
    json parsed = json::parse(call.raw, nullptr, false);
    if (parsed.is_discarded()) {
      owner_.record_call(call);
      send(to_frame(response_frame(kRetcodeBadParams, nullptr, "json解析失败,请检查数据格式", "",
                                   std::nullopt, false)));
      return;
    }
    std::optional<json> echo;
    if (parsed.is_object()) {
      if (parsed.contains("echo")) echo = parsed["echo"];
      if (parsed.contains("action") && parsed["action"].is_string())
        call.action = parsed["action"].get<std::string>();
      const json params = parsed.value("params", json());
      call.params = params.is_null() || params == json(false) ? json::object() : params;
    }
    call.echo = echo.value_or(json());
    owner_.record_call(call);
    if (call.action.empty()) {
      send(
          to_frame(response_frame(kRetcodeUnknownAction, nullptr, "不支持的API undefined", "", echo, false)));
      return;
    }
    asio::co_spawn(ws_.get_executor(), answer(shared_from_this(), std::move(call), std::move(echo)),
                   asio::detached);
  }

  asio::awaitable<void> answer(std::shared_ptr<Connection> self, ApiCall call, std::optional<json> echo) {
    const ApiReply reply = owner_.actions.handle(call);
    if (reply.delay.count() > 0) {
      asio::steady_timer delay(ws_.get_executor(), reply.delay);
      co_await delay.async_wait(use_tuple);
    }
    if (reply.no_reply) co_return;
    const bool streamed = uses_stream(call.action) || !reply.stream_frames.empty();
    for (const auto& frame_data : reply.stream_frames) {
      send(to_frame(response_frame(kRetcodeOk, frame_data, "", "", echo, true)));
    }
    send(to_frame(response_frame(reply.retcode, reply.data, reply.message, reply.wording, echo, streamed)));
  }

  void finish(std::optional<int> peer_close_code) {
    finished_ = true;
    heartbeat_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    owner_.on_closed(id_, peer_close_code);
  }

  Impl& owner_;
  const int id_;
  const std::int64_t self_id_;
  const bool carries_events_;
  WebSocket ws_;
  asio::steady_timer heartbeat_timer_;
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool close_requested_ = false;  // no frames accepted after close()/drop()
  bool closing_by_us_ = false;    // our close/drop is under way
  bool finished_ = false;
};

void FakeNapCat::Impl::send_to(int conn, std::string frame) {
  asio::post(ioc, [this, conn, frame = std::move(frame)]() mutable {
    auto it = live.find(conn);
    if (it == live.end()) {
      log_line("connection " + std::to_string(conn) + " is not open; frame not sent");
      return;
    }
    it->second->send(std::move(frame));
  });
}

std::int64_t FakeNapCat::Impl::send_message_event(int conn, ordered_json event) {
  const std::int64_t id = event["message_id"].get<std::int64_t>();
  actions.remember(id, json(event));
  if (options.message_as_cq_string) {
    event["message"] = event["raw_message"];
    event["message_format"] = "string";
  }
  send_to(conn, to_frame(event));
  return id;
}

int FakeNapCat::Impl::register_connection(WebSocket ws, std::int64_t self_id, bool carries_events) {
  int id = 0;
  {
    std::lock_guard lock(mu);
    id = ++last_connection_id;
    states[id] = ConnectionState{self_id, true, std::nullopt};
  }
  auto connection = std::make_shared<Connection>(*this, id, self_id, carries_events, std::move(ws));
  live[id] = connection;
  connection->start();
  cv.notify_all();
  return id;
}

void FakeNapCat::Impl::on_closed(int conn, std::optional<int> peer_close_code) {
  live.erase(conn);
  std::lock_guard lock(mu);
  auto& state = states[conn];
  state.open = false;
  state.peer_close_code = peer_close_code;
  cv.notify_all();
}

void FakeNapCat::Impl::record_call(ApiCall call) {
  std::lock_guard lock(mu);
  calls.push_back(std::move(call));
  cv.notify_all();
}

void FakeNapCat::Impl::shutdown() {
  beast::error_code ignored;
  if (acceptor) acceptor->close(ignored);
  for (auto& [id, connection] : live) connection->abort();
  live.clear();
  ioc.stop();
}

asio::awaitable<void> FakeNapCat::Impl::accept_loop() {
  while (acceptor && acceptor->is_open()) {
    auto [ec, socket] = co_await acceptor->async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (!ec) asio::co_spawn(ioc, serve_upgrade(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> FakeNapCat::Impl::serve_upgrade(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  stream.expires_after(kStepTimeout);
  auto [read_ec, read_size] = co_await http::async_read(stream, buffer, request, use_tuple);
  if (read_ec) co_return;

  const std::string target(request.target());
  std::map<std::string, std::string> headers;
  for (const auto& field : request) headers[to_lower(field.name_string())] = std::string(field.value());
  {
    std::lock_guard lock(mu);
    upgrade_headers = headers;
    upgrade_target = target;
  }
  if (!websocket::is_upgrade(request)) {
    http::response<http::string_body> response{http::status::upgrade_required, request.version()};
    response.body() = "Upgrade Required";
    response.prepare_payload();
    co_await http::async_write(stream, response, use_tuple);
    co_return;
  }
  const bool authorized = token_accepted(options.token, target, headers);
  const std::string path = target.substr(0, target.find('?'));
  const bool carries_events = path != "/api" && path != "/api/";

  stream.expires_never();
  WebSocket ws(std::move(stream));
  configure(ws);
  auto [accept_ec] = co_await ws.async_accept(request, use_tuple);
  if (accept_ec) co_return;
  if (!authorized) {
    {
      std::lock_guard lock(mu);
      ++auth_failures;
    }
    cv.notify_all();
    ws.text(true);
    const auto frame = asio::buffer(kBadTokenFrame.data(), kBadTokenFrame.size());
    auto [write_ec, written] = co_await ws.async_write(frame, use_tuple);
    // ws's close() without a code: an empty close frame.
    const websocket::close_reason no_code;
    if (!write_ec) co_await ws.async_close(no_code, use_tuple);
    co_return;
  }
  register_connection(std::move(ws), options.self_id, carries_events);
}

asio::awaitable<void> FakeNapCat::Impl::connect_reverse(std::uint16_t port, std::string path,
                                                        std::int64_t self_id, std::string token,
                                                        std::shared_ptr<std::promise<ConnectResult>> done) {
  beast::tcp_stream stream(ioc);
  stream.expires_after(kStepTimeout);
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
  auto [connect_ec] = co_await stream.async_connect(endpoint, use_tuple);
  if (connect_ec) {
    done->set_value(ConnectError{0, "connect: " + connect_ec.message()});
    co_return;
  }
  stream.expires_never();
  WebSocket ws(std::move(stream));
  configure(ws);
  ws.set_option(websocket::stream_base::decorator([self_id, token](websocket::request_type& request) {
    request.set("X-Self-ID", std::to_string(self_id));
    request.set("X-Client-Role", "Universal");
    request.set(http::field::user_agent, "OneBot/11");
    if (!token.empty()) {
      request.set(http::field::authorization, "Bearer " + token);
      return;
    }
    // NapCat sends "Bearer " with its trailing space, which Beast trims from
    // field values; carrying the next header line in the same value keeps it.
    request.erase(http::field::user_agent);
    request.set(http::field::authorization, "Bearer \r\nUser-Agent: OneBot/11");
  }));
  websocket::response_type response;
  // Named locals: GCC 12 mishandles temporaries inside co_await expressions.
  const std::string host = "127.0.0.1:" + std::to_string(port);
  if (path.empty()) path = "/";
  auto [handshake_ec] = co_await ws.async_handshake(response, host, path, use_tuple);
  if (handshake_ec) {
    const int status = handshake_ec == websocket::error::upgrade_declined ? response.result_int() : 0;
    done->set_value(ConnectError{status, "handshake: " + handshake_ec.message()});
    co_return;
  }
  done->set_value(register_connection(std::move(ws), self_id, true));
}

FakeNapCat::FakeNapCat() : FakeNapCat(Options{}) {}

FakeNapCat::FakeNapCat(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
}

FakeNapCat::~FakeNapCat() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->shutdown(); });
  impl_->thread.join();
}

std::uint16_t FakeNapCat::listen() {
  return impl_->run_sync([impl = impl_.get()] {
    if (!impl->acceptor) {
      impl->acceptor.emplace(impl->ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
      std::lock_guard lock(impl->mu);
      impl->port = impl->acceptor->local_endpoint().port();
      asio::co_spawn(impl->ioc, impl->accept_loop(), asio::detached);
    }
    std::lock_guard lock(impl->mu);
    return impl->port;
  });
}

ConnectResult FakeNapCat::connect(std::uint16_t port, std::string path, std::int64_t self_id,
                                  std::string token) {
  auto done = std::make_shared<std::promise<ConnectResult>>();
  auto result = done->get_future();
  asio::co_spawn(impl_->ioc,
                 impl_->connect_reverse(port, std::move(path), self_id, std::move(token), std::move(done)),
                 asio::detached);
  // Both steps have their own 10 s timeout; this only guards against a bug.
  if (result.wait_for(3 * kStepTimeout) != std::future_status::ready) {
    return ConnectError{0, "connect did not finish"};
  }
  return result.get();
}

std::size_t FakeNapCat::connection_count() const {
  std::lock_guard lock(impl_->mu);
  return std::count_if(impl_->states.begin(), impl_->states.end(),
                       [](const auto& s) { return s.second.open; });
}

std::vector<int> FakeNapCat::connection_ids() const {
  std::lock_guard lock(impl_->mu);
  std::vector<int> ids;
  for (const auto& [id, state] : impl_->states) {
    if (state.open) ids.push_back(id);
  }
  return ids;
}

bool FakeNapCat::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] {
    return static_cast<std::size_t>(std::count_if(impl_->states.begin(), impl_->states.end(),
                                                  [](const auto& s) { return s.second.open; })) >= n;
  });
}

std::map<std::string, std::string> FakeNapCat::last_upgrade_headers() const {
  std::lock_guard lock(impl_->mu);
  return impl_->upgrade_headers;
}

std::string FakeNapCat::last_upgrade_target() const {
  std::lock_guard lock(impl_->mu);
  return impl_->upgrade_target;
}

std::size_t FakeNapCat::auth_failure_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->auth_failures;
}

void FakeNapCat::drop(int conn) {
  asio::post(impl_->ioc, [impl = impl_.get(), conn] {
    if (auto it = impl->live.find(conn); it != impl->live.end()) it->second->drop();
  });
}

void FakeNapCat::close(int conn, int code) {
  asio::post(impl_->ioc, [impl = impl_.get(), conn, code] {
    if (auto it = impl->live.find(conn); it != impl->live.end()) it->second->close(code);
  });
}

std::optional<int> FakeNapCat::wait_for_peer_close(int conn, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  const bool closed = impl_->cv.wait_for(lock, timeout, [&] {
    auto it = impl_->states.find(conn);
    return it != impl_->states.end() && !it->second.open;
  });
  if (!closed) return std::nullopt;
  return impl_->states[conn].peer_close_code;
}

namespace {
// The fields NapCat puts in every message event, in NapCat's order.
ordered_json message_event(std::int64_t self_id, std::int64_t id, std::int64_t user_id,
                           const char* message_type, const char* sub_type, ordered_json sender,
                           const json& segments) {
  ordered_json event;
  event["self_id"] = self_id;
  event["user_id"] = user_id;
  event["time"] = unix_seconds();
  event["message_id"] = id;
  event["message_seq"] = id;
  event["real_id"] = id;
  event["real_seq"] = std::to_string(id);
  event["message_type"] = message_type;
  event["sender"] = std::move(sender);
  event["raw_message"] = to_cq_string(segments);
  event["font"] = 14;
  event["sub_type"] = sub_type;
  event["message"] = ordered_json(segments);
  event["message_format"] = "array";
  event["post_type"] = "message";
  return event;
}
}  // namespace

std::int64_t FakeNapCat::send_group_message(int conn, std::int64_t group_id, std::int64_t user_id,
                                            nlohmann::json message, std::string nickname, std::string role) {
  const json segments = message_segments(message);
  ordered_json sender = {{"user_id", user_id}, {"nickname", nickname}, {"card", ""}, {"role", role}};
  ordered_json event = message_event(impl_->self_id_of(conn), impl_->actions.next_message_id(), user_id,
                                     "group", "normal", std::move(sender), segments);
  event["group_id"] = group_id;
  event["group_name"] = "测试群" + std::to_string(group_id);
  return impl_->send_message_event(conn, std::move(event));
}

std::int64_t FakeNapCat::send_private_message(int conn, std::int64_t user_id, nlohmann::json message,
                                              std::string nickname) {
  const json segments = message_segments(message);
  ordered_json sender = {{"user_id", user_id}, {"nickname", nickname}, {"card", ""}};
  ordered_json event = message_event(impl_->self_id_of(conn), impl_->actions.next_message_id(), user_id,
                                     "private", "friend", std::move(sender), segments);
  return impl_->send_message_event(conn, std::move(event));
}

std::int64_t FakeNapCat::send_temp_message(int conn, std::int64_t group_id, std::int64_t user_id,
                                           nlohmann::json message, std::string nickname) {
  const json segments = message_segments(message);
  ordered_json sender = {{"user_id", user_id}, {"nickname", nickname}, {"card", ""}};
  ordered_json event = message_event(impl_->self_id_of(conn), impl_->actions.next_message_id(), user_id,
                                     "private", "group", std::move(sender), segments);
  event["group_id"] = group_id;
  event["temp_source"] = 0;
  return impl_->send_message_event(conn, std::move(event));
}

void FakeNapCat::send_event(int conn, const nlohmann::json& event) { impl_->send_to(conn, to_frame(event)); }

void FakeNapCat::send_raw(int conn, std::string frame) { impl_->send_to(conn, std::move(frame)); }

void FakeNapCat::send_heartbeat(int conn) {
  impl_->send_to(conn,
                 to_frame(heartbeat_event(impl_->self_id_of(conn), impl_->options.heartbeat_interval_ms)));
}

std::vector<ApiCall> FakeNapCat::calls() const {
  std::lock_guard lock(impl_->mu);
  return impl_->calls;
}

std::optional<ApiCall> FakeNapCat::wait_for_call(std::function<bool(const ApiCall&)> pred,
                                                 std::chrono::milliseconds timeout, std::size_t skip) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(impl_->mu);
  std::size_t next = skip;
  while (true) {
    for (; next < impl_->calls.size(); ++next) {
      if (pred(impl_->calls[next])) return impl_->calls[next];
    }
    if (impl_->cv.wait_until(lock, deadline) == std::cv_status::timeout && next >= impl_->calls.size()) {
      return std::nullopt;
    }
  }
}

std::size_t FakeNapCat::count_calls(const std::string& action) const {
  std::lock_guard lock(impl_->mu);
  return std::count_if(impl_->calls.begin(), impl_->calls.end(),
                       [&](const ApiCall& c) { return c.action == action; });
}

void FakeNapCat::set_handler(std::string action, ApiHandler handler) {
  impl_->actions.set_handler(action, std::move(handler));
}

void FakeNapCat::forget_messages() { impl_->actions.forget_messages(); }

}  // namespace picbot::testing
