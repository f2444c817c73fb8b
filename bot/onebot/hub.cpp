#include "bot/onebot/hub.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/intrusive/set.hpp>
#include <optional>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/random_bytes.h"

namespace picbot::onebot {
namespace asio = boost::asio;
using nlohmann::json;

struct Hub::LinkEntry {
  std::shared_ptr<Link> link;
  LinkInfo info;
  std::int64_t self_id = 0;
  std::chrono::system_clock::time_point connected_at;
  std::uint64_t frames_in = 0;
  std::uint64_t frames_out = 0;
  std::chrono::milliseconds watchdog{0};  // the silence limit last given to the link
};

// Lives in the calling coroutine's frame; the hub only points at it while the
// call is pending (in pending_ and, until it is answered, in deadlines_).
struct Hub::PendingCall {
  std::uint64_t link_id = 0;
  std::chrono::steady_clock::time_point deadline;
  // Linked while in deadlines_; unlinks itself if the frame goes first.
  boost::intrusive::set_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>> deadline_hook;
  bool scheduled() const { return deadline_hook.is_linked(); }
  std::optional<ApiResult> result;
  std::function<void(const json&)> on_stream_frame;
  // The suspended send_and_wait, while it waits; woken by an answer, the
  // deadline, the link dropping or the caller's cancellation.
  // (optional: Boost 1.81's any_completion_handler move assignment recurses
  // without end; it is only ever constructed here.)
  std::optional<asio::any_completion_handler<void()>> waiter;
  asio::cancellation_slot cancel_slot;

  // from_slot: called by the cancellation handler, which must not clear its own slot.
  void wake(const asio::any_io_executor& executor, bool from_slot = false) {
    if (!waiter) return;
    if (!from_slot && cancel_slot.is_connected()) cancel_slot.clear();
    cancel_slot = {};
    // Posted: never resumed inside the hub's own loops. Wrapped: Boost 1.81's
    // post() would copy an any_completion_handler through its converting
    // constructor, which recurses without end.
    asio::post(executor, [handler = std::move(*waiter)]() mutable { std::move(handler)(); });
    waiter.reset();
  }
};

struct Hub::Deadlines {
  struct ByDeadline {
    bool operator()(const PendingCall& a, const PendingCall& b) const { return a.deadline < b.deadline; }
  };
  boost::intrusive::multiset<PendingCall,
                             boost::intrusive::member_hook<PendingCall, decltype(PendingCall::deadline_hook),
                                                           &PendingCall::deadline_hook>,
                             boost::intrusive::compare<ByDeadline>,
                             boost::intrusive::constant_time_size<false>>
      calls;
};

namespace {
auto logger() {
  static auto l = log::get("onebot");
  return l;
}

std::string encode_params(const json& params) {
  return params.dump(-1, ' ', false, json::error_handler_t::replace);
}

// 128 random bits as 32 hex digits, or nullopt when the system has no
// randomness to give. Sequential echoes would let another link guess the echo
// of a pending call and answer it.
std::optional<std::string> random_echo() {
  std::array<unsigned char, 16> bytes{};
  if (!picbot::random_bytes(bytes)) return std::nullopt;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string echo;
  echo.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    echo += kDigits[b >> 4];
    echo += kDigits[b & 0x0F];
  }
  return echo;
}

// The request frame around params, which is written between these two pieces
// as it is. Action names are plain identifiers (send_group_msg) and echoes hex
// digits, so neither needs escaping.
constexpr std::string_view kRequestAction = R"({"action":")", kRequestParams = R"(","params":)",
                           kRequestEcho = R"(,"echo":")", kRequestEnd = "\"}";

void append_request_head(std::string_view action, std::string& out) {
  out += kRequestAction;
  out += action;
  out += kRequestParams;
}

void append_request_tail(std::string_view echo, std::string& out) {
  out += kRequestEcho;
  out += echo;
  out += kRequestEnd;
}

// Requests with params above this are written as gathered pieces (see
// Link::send_gathered): a base64 image is moved, never copied, on the loop.
constexpr std::size_t kGatherAboveBytes = 64 * 1024;

// A download stream's last frame: its data.type is "response" (done) or
// "error" (NapCat's OB11Response.error for a streamed action).
bool ends_stream(const json& data) {
  if (!data.is_object()) return true;
  const auto type = data.find("type");
  if (type == data.end() || !type->is_string()) return true;
  const auto& name = type->get_ref<const std::string&>();
  return name == "response" || name == "error";
}

std::int64_t event_self_id(const Event& event) {
  return std::visit([](const auto& e) { return e.self_id; }, event);
}
}  // namespace

Hub::Hub(asio::any_io_executor executor, Options options, EventSink& sink)
    : executor_(std::move(executor)),
      options_(options),
      sink_(sink),
      deadlines_(std::make_unique<Deadlines>()),
      deadline_timer_(executor_) {}

Hub::~Hub() {
  for (auto& [echo, call] : pending_)
    finish(*call, ApiError{ApiError::Kind::kLinkClosed, 0, "shutting down", {}});
}

void Hub::finish(PendingCall& call, ApiResult result) {
  if (call.result) return;
  call.result.emplace(std::move(result));
  unschedule(call);
  call.wake(executor_);
}

void Hub::schedule(PendingCall& call) {
  deadlines_->calls.insert(call);
  if (!deadline_armed_ || call.deadline < armed_deadline_) arm_deadline_timer(call.deadline);
}

void Hub::unschedule(PendingCall& call) {
  if (!call.scheduled()) return;
  deadlines_->calls.erase(deadlines_->calls.iterator_to(call));
  if (deadlines_->calls.empty() && deadline_armed_) {
    // Nothing pending: no timer keeps the io_context busy.
    deadline_armed_ = false;
    deadline_timer_.cancel();
  }
  // Otherwise the timer stays armed for the old earliest deadline: firing
  // early finds nothing due and re-arms for the next one.
}

void Hub::arm_deadline_timer(std::chrono::steady_clock::time_point at) {
  deadline_armed_ = true;
  armed_deadline_ = at;
  deadline_timer_.expires_at(at);  // a wait in progress completes with operation_aborted
  deadline_timer_.async_wait([this, alive = std::weak_ptr<int>(alive_)](boost::system::error_code ec) {
    if (ec == asio::error::operation_aborted || alive.expired()) return;
    on_deadline();
  });
}

void Hub::on_deadline() {
  deadline_armed_ = false;
  const auto now = std::chrono::steady_clock::now();
  while (!deadlines_->calls.empty() && deadlines_->calls.begin()->deadline <= now) {
    PendingCall& call = *deadlines_->calls.begin();
    unschedule(call);
    call.wake(executor_);  // no result: send_and_wait reports the timeout
  }
  if (!deadlines_->calls.empty()) arm_deadline_timer(deadlines_->calls.begin()->deadline);
}

template <class Token>
auto Hub::async_wait_answer(PendingCall& call, Token&& token) {
  return asio::async_initiate<Token, void()>(
      [this, &call](auto handler) {
        // A recycled allocation (Asio's per-thread cache) rather than malloc.
        call.waiter.emplace(asio::bind_allocator(asio::recycling_allocator<void>(), std::move(handler)));
        // The wrapper forwards the caller's cancellation to its own slot.
        call.cancel_slot = asio::get_associated_cancellation_slot(*call.waiter);
        if (call.cancel_slot.is_connected()) {
          call.cancel_slot.assign([this, &call](asio::cancellation_type type) {
            if (type == asio::cancellation_type::none) return;
            unschedule(call);
            call.wake(executor_, /*from_slot=*/true);  // no result: send_and_wait reports it like a timeout
          });
        }
        if (call.result || !call.scheduled()) call.wake(executor_);
      },
      token);
}

void Hub::on_open(const std::shared_ptr<Link>& link, const LinkInfo& info) {
  auto entry = std::make_unique<LinkEntry>();
  entry->link = link;
  entry->info = info;
  entry->connected_at = std::chrono::system_clock::now();
  LinkEntry& ref = *entry;
  links_[link->id()] = std::move(entry);
  set_heartbeat(ref, options_.heartbeat_interval);
  logger()->info("{}", log::text("log.link_open", fmt::arg("link", link->id()),
                                 fmt::arg("peer", link->description()), fmt::arg("self_id", info.self_id),
                                 fmt::arg("role", info.role.empty() ? "-" : info.role)));
  if (info.self_id != 0) {
    register_account(ref, info.self_id);
  } else {
    // Forward links learn their account from get_login_info (or the first event).
    asio::co_spawn(executor_, learn_self_id(link->id()), asio::detached);
  }
}

asio::awaitable<void> Hub::learn_self_id(std::uint64_t link_id) {
  const auto it = links_.find(link_id);
  if (it == links_.end()) co_return;
  // Sent on this link specifically: no account is registered for it yet.
  const auto link = it->second->link;
  CallOptions options;
  options.timeout = std::chrono::seconds(10);
  std::string params = "{}";
  const ApiResult result =
      co_await send_and_wait(*link, "get_login_info", std::move(params), std::move(options));
  if (!result.ok()) {
    logger()->warn("{}", log::text("log.get_login_info_failed", fmt::arg("link", link_id),
                                   fmt::arg("reason", result.error().describe())));
    co_return;
  }
  const auto entry = links_.find(link_id);
  const json& data = result.value();
  if (entry != links_.end() && entry->second->self_id == 0 && data.is_object()) {
    register_account(*entry->second, json_to_id(data.value("user_id", json())));
  }
}

void Hub::register_account(LinkEntry& entry, std::int64_t self_id) {
  if (self_id == 0 || entry.self_id == self_id) return;
  entry.self_id = self_id;
  const std::uint64_t link_id = entry.link->id();
  const auto [it, inserted] = accounts_.try_emplace(self_id, link_id);
  if (!inserted && it->second != link_id) {
    const std::uint64_t old_id = it->second;
    it->second = link_id;
    logger()->info("{}", log::text("log.account_reconnected", fmt::arg("self_id", self_id),
                                   fmt::arg("link", link_id), fmt::arg("old", old_id)));
    if (const auto old = links_.find(old_id); old != links_.end()) old->second->link->close(1000);
  } else {
    logger()->info("{}",
                   log::text("log.account_served", fmt::arg("self_id", self_id), fmt::arg("link", link_id)));
  }
  const auto [first, last] = account_waiters_.equal_range(self_id);
  for (auto w = first; w != last; ++w) w->second->cancel();
}

void Hub::on_frame(Link& link, std::string_view frame) {
  ++counters_.frames_in;
  const auto it = links_.find(link.id());
  if (it == links_.end()) return;
  LinkEntry& entry = *it->second;
  ++entry.frames_in;
  auto parsed = parse_frame(frame);
  if (!parsed) {
    ++counters_.malformed_frames;
    logger()->warn("{}", log::text("log.malformed_frame", fmt::arg("link", link.id()),
                                   fmt::arg("reason", parsed.error().message),
                                   fmt::arg("frame", log::truncate(frame, 200))));
    return;
  }
  if (auto* response = std::get_if<ApiResponse>(&*parsed)) {
    handle_response(link, std::move(*response));
  } else {
    handle_event(entry, std::get<Event>(std::move(*parsed)));
  }
}

void Hub::handle_event(LinkEntry& entry, Event event) {
  ++counters_.events;
  register_account(entry, event_self_id(event));
  if (const auto* meta = std::get_if<MetaEvent>(&event)) {
    if (meta->meta_event_type == "heartbeat" && meta->interval_ms > 0) {
      set_heartbeat(entry, std::chrono::milliseconds(meta->interval_ms));
    }
  }
  sink_.on_event(std::move(event));
}

void Hub::set_heartbeat(LinkEntry& entry, std::chrono::milliseconds interval) {
  const auto clamped = std::clamp(interval, kMinHeartbeat, kMaxHeartbeat);
  const auto limit = clamped * 3;
  if (limit == entry.watchdog) return;
  if (clamped != interval) {
    logger()->warn("{}",
                   log::text("log.heartbeat_clamped", fmt::arg("link", entry.link->id()),
                             fmt::arg("ms", interval.count()), fmt::arg("min", kMinHeartbeat.count()),
                             fmt::arg("max", kMaxHeartbeat.count()), fmt::arg("used", clamped.count())));
  }
  entry.watchdog = limit;
  entry.link->set_watchdog(limit);
}

void Hub::handle_response(Link& link, ApiResponse response) {
  const auto it =
      response.echo.is_string() ? pending_.find(response.echo.get_ref<const std::string&>()) : pending_.end();
  if (it == pending_.end()) {
    if (response.retcode == 1403) {
      logger()->error("{}", log::text("log.token_rejected", fmt::arg("link", link.id())));
    } else if (logger()->should_log(spdlog::level::debug)) {
      // The echo is the peer's: dump it only when the line is written.
      logger()->debug("link #{}: response for unknown echo {} ignored (late answer?)", link.id(),
                      log::truncate(response.echo.dump(-1, ' ', false, json::error_handler_t::replace), 80));
    }
    return;
  }
  PendingCall& call = *it->second;
  if (call.link_id != link.id()) {
    logger()->warn(
        "{}", log::text("log.answer_ignored", fmt::arg("link", link.id()), fmt::arg("other", call.link_id)));
    return;
  }
  const bool intermediate = call.on_stream_frame && response.stream == "stream-action" &&
                            response.retcode == 0 && !ends_stream(response.data);
  if (intermediate) {
    call.on_stream_frame(response.data);
    return;
  }
  pending_.erase(it);
  if (response.retcode != 0) {
    finish(call, ApiError{ApiError::Kind::kFailed, response.retcode, std::move(response.message),
                          std::move(response.wording)});
  } else {
    finish(call, std::move(response.data));
  }
}

void Hub::on_close(Link& link, std::string_view reason) {
  const auto it = links_.find(link.id());
  if (it == links_.end()) return;
  const std::int64_t self_id = it->second->self_id;
  if (const auto acc = accounts_.find(self_id); acc != accounts_.end() && acc->second == link.id()) {
    accounts_.erase(acc);
  }
  links_.erase(it);
  std::size_t failed = 0;
  for (auto p = pending_.begin(); p != pending_.end();) {
    if (p->second->link_id == link.id()) {
      finish(*p->second,
             ApiError{ApiError::Kind::kLinkClosed, 0, "connection closed: " + std::string(reason), {}});
      p = pending_.erase(p);
      ++failed;
    } else {
      ++p;
    }
  }
  logger()->info("{}", log::text("log.link_closed", fmt::arg("link", link.id()), fmt::arg("reason", reason),
                                 fmt::arg("self_id", self_id), fmt::arg("pending", failed)));
}

Link* Hub::pick_link(std::int64_t self_id) {
  if (self_id != 0) {
    const auto acc = accounts_.find(self_id);
    if (acc != accounts_.end()) {
      const auto it = links_.find(acc->second);
      if (it != links_.end() && it->second->link->is_open()) return it->second->link.get();
    }
    return nullptr;
  }
  for (auto& [id, entry] : links_) {
    if (entry->link->is_open() && entry->info.role != "Event") return entry->link.get();
  }
  return nullptr;
}

asio::awaitable<ApiResult> Hub::call(std::int64_t self_id, std::string action, json params,
                                     CallOptions options) {
  return call_encoded(self_id, std::move(action), encode_params(params), std::move(options));
}

asio::awaitable<ApiResult> Hub::call_encoded(std::int64_t self_id, std::string action,
                                             std::string params_json, CallOptions options) {
  ++counters_.api_calls;
  Link* link = pick_link(self_id);
  if (link == nullptr) {
    ++counters_.api_failures;
    co_return ApiError{ApiError::Kind::kNoLink, 0, fmt::format("no connection for account {}", self_id), {}};
  }
  if (auto it = links_.find(link->id()); it != links_.end()) ++it->second->frames_out;
  ApiResult result = co_await send_and_wait(*link, action, std::move(params_json), std::move(options));
  if (!result.ok()) {
    ++counters_.api_failures;
    logger()->warn("{}",
                   log::text("log.api_call_failed", fmt::arg("action", action), fmt::arg("self_id", self_id),
                             fmt::arg("reason", result.error().describe())));
  }
  co_return result;
}

asio::awaitable<bool> Hub::wait_for_account(std::int64_t self_id, std::chrono::milliseconds timeout) {
  if (pick_link(self_id) != nullptr) co_return true;
  asio::steady_timer timer(executor_);
  timer.expires_after(timeout);
  const auto waiter = account_waiters_.emplace(self_id, &timer);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  account_waiters_.erase(waiter);
  co_return pick_link(self_id) != nullptr;
}

asio::awaitable<ApiResult> Hub::send_and_wait(Link& link, std::string_view action, std::string params_json,
                                              CallOptions options) {
  std::optional<std::string> echo = random_echo();
  if (!echo) {
    co_return ApiError{
        ApiError::Kind::kFailed, 0, "no random bytes for the call's echo (getrandom failed)", {}};
  }
  const auto timeout = options.timeout.count() > 0 ? options.timeout : options_.api_timeout;
  PendingCall pending;
  pending.link_id = link.id();
  pending.on_stream_frame = std::move(options.on_stream_frame);
  pending.deadline = std::chrono::steady_clock::now() + timeout;
  pending_[*echo] = &pending;
  schedule(pending);
  // A large request (a base64 image) is moved into the link's queue, not
  // copied, and freed once written rather than when the answer comes. A small
  // one is joined: one string costs less than three gathered buffers.
  const std::size_t frame_bytes = kRequestAction.size() + action.size() + kRequestParams.size() +
                                  params_json.size() + kRequestEcho.size() + echo->size() +
                                  kRequestEnd.size();
  if (params_json.size() > kGatherAboveBytes) {
    std::string head, tail;
    append_request_head(action, head);
    append_request_tail(*echo, tail);
    link.send_gathered(std::move(head), std::move(params_json), std::move(tail));
  } else {
    std::string frame;
    frame.reserve(frame_bytes);
    append_request_head(action, frame);
    frame += params_json;
    append_request_tail(*echo, frame);
    link.send(std::move(frame));
  }

  co_await async_wait_answer(pending, asio::use_awaitable);
  if (!pending.result) {  // the deadline passed or the caller cancelled
    unschedule(pending);
    pending_.erase(*echo);
    pending.result.emplace(ApiError{ApiError::Kind::kTimeout,
                                    0,
                                    fmt::format("{} got no answer within {} ms", action, timeout.count()),
                                    {}});
  }
  co_return std::move(*pending.result);
}

void Hub::close_all(int code) {
  for (auto& [id, entry] : links_) entry->link->close(code);
}

std::vector<LinkStatus> Hub::links() const {
  std::vector<LinkStatus> out;
  out.reserve(links_.size());
  for (const auto& [id, entry] : links_) {
    out.push_back(LinkStatus{id, entry->self_id, entry->link->description(), entry->info.role,
                             entry->connected_at, entry->frames_in, entry->frames_out});
  }
  return out;
}

}  // namespace picbot::onebot
