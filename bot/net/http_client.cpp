#include "bot/net/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <optional>
#include <system_error>
#include <unordered_map>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/text.h"
#include "bot/net/curl_library.h"
#include "bot/net/proxied_target.h"

namespace picbot::net {
namespace {

using Outcome = Result<HttpResponse, HttpError>;
using CompletionHandler = boost::asio::any_completion_handler<void(Outcome)>;

// Only called once HttpClient::Impl::get() has loaded the library: no
// transfer or multi handle exists before that.
const CurlLibrary& curl() { return *CurlLibrary::load().value(); }

bool is_private_v4(const unsigned char* a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||  // this-net, private, loopback, mcast
         (a[0] == 100 && (a[1] & 0xC0) == 64) ||                   // 100.64/10 CGNAT
         (a[0] == 169 && a[1] == 254) ||                           // link-local
         (a[0] == 172 && (a[1] & 0xF0) == 16) ||                   // 172.16/12
         (a[0] == 192 && a[1] == 168) ||                           // 192.168/16
         (a[0] == 192 && a[1] == 0 && a[2] == 0) ||                // 192.0.0/24 protocol assignments
         (a[0] == 198 && (a[1] & 0xFE) == 18);                     // 198.18/15 benchmarking
}

bool is_private_v6(const unsigned char* a) {
  static constexpr unsigned char kZero[12] = {};
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xFF, 0x9B};
  // ::, ::1, ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), 64:ff9b::a.b.c.d (NAT64).
  if (std::memcmp(a, kZero, 12) == 0) {
    const bool unspecified_or_loopback = a[12] == 0 && a[13] == 0 && a[14] == 0 && a[15] <= 1;
    return unspecified_or_loopback || is_private_v4(a + 12);
  }
  if (std::memcmp(a, kMapped, 12) == 0 || std::memcmp(a, kNat64, 12) == 0) return is_private_v4(a + 12);
  if (a[0] == 0x20 && a[1] == 0x02) return is_private_v4(a + 2);  // 2002::/16 6to4
  return (a[0] & 0xFE) == 0xFC ||                                 // fc00::/7 unique local
         (a[0] == 0xFE && (a[1] & 0x80) == 0x80) ||  // fe80::/10 link-local, fec0::/10 site-local
         a[0] == 0xFF;                               // multicast
}

bool is_private_sockaddr(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return is_private_v4(reinterpret_cast<const unsigned char*>(&v4->sin_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return is_private_v6(v6->sin6_addr.s6_addr);
  }
  return true;  // Unix sockets and anything else are never a public peer.
}

HttpError make_error(HttpError::Kind kind, std::string message) {
  return HttpError{kind, std::move(message)};
}

// Takes the handler out of `slot`, leaving it empty. Boost 1.81's
// any_completion_handler move-assignment recurses forever; swap does not.
template <class Handler>
Handler take_handler(Handler& slot) {
  Handler out;
  out.swap(slot);
  return out;
}

// Posts rather than calls: the awaiting coroutine must not resume inside
// curl's or the cancellation signal's call stack (curl refuses calls made
// from its callbacks). A plain post to the loop: preferring blocking.never on
// the handler's any_completion_executor still ran it inline (Boost 1.81).
template <class Handler, class Value>
void post_completion(Handler handler, Value value, const boost::asio::any_io_executor& loop) {
  boost::asio::post(loop, [handler = std::move(handler), value = std::move(value), loop]() mutable {
    auto executor = boost::asio::get_associated_executor(handler, loop);
    boost::asio::dispatch(executor, [handler = std::move(handler), value = std::move(value)]() mutable {
      std::move(handler)(std::move(value));
    });
  });
}

}  // namespace

// What a streamed transfer and its HttpBodyStream share: the body not read
// yet, the end or failure, a waiting next(). Lives as long as either side.
struct HttpBodyStream::State : std::enable_shared_from_this<HttpBodyStream::State> {
  using ReadHandler = boost::asio::any_completion_handler<void(Result<std::string, HttpError>)>;

  boost::asio::any_io_executor executor;
  std::size_t buffer_bytes = 0;
  CURL* easy = nullptr;  // while the transfer is in flight
  std::string pending;   // received, not read yet
  bool paused = false;   // curl holds a piece back until next() drains pending
  bool done = false;     // no more bytes will come; error says how it ended
  std::optional<HttpError> error;
  ReadHandler reader;  // a next() waiting for bytes
  boost::asio::cancellation_slot reader_slot;
  std::function<void()> cancel_transfer;  // set while in flight

  // Ends the transfer if it is still in flight (it completes with kCancelled).
  void end_transfer() {
    std::function<void()> cancel = std::exchange(cancel_transfer, nullptr);  // not destroyed while it runs
    if (cancel) cancel();
  }

  // Lets curl go on after a pause, once next() took what was pending.
  void resume() {
    if (!paused || easy == nullptr || done) return;
    paused = false;
    curl().easy_pause(easy, CURLPAUSE_CONT);  // may hand over the held piece at once
  }

  // Hands what is there to a waiting next(): the pending bytes, else the end.
  void wake_reader() {
    if (!reader || (pending.empty() && !done)) return;
    reader_slot.clear();
    Result<std::string, HttpError> value = std::string();
    if (!pending.empty()) {
      value = std::exchange(pending, std::string());
    } else if (error) {
      value = *error;
    }
    post_completion(take_handler(reader), std::move(value), executor);
  }
};

namespace {

// One request: the easy handle plus everything its callbacks write into.
// Owned by CurlMulti while in flight, so the easy handle never outlives it;
// a finished transfer's handle goes back to CurlMulti's pool (easy == nullptr).
struct Transfer {
  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    if (easy != nullptr) curl().easy_cleanup(easy);
    curl().slist_free_all(header_list);
  }

  std::uint64_t id = 0;
  HttpRequest request;  // owns (or shares) the body that CURLOPT_POSTFIELDS points at
  CURL* easy = nullptr;
  curl_slist* header_list = nullptr;
  HttpResponse response;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  bool too_large = false;
  bool blocked = false;
  CompletionHandler handler;  // empty once a streamed transfer's head went out
  boost::asio::cancellation_slot slot;
  std::shared_ptr<HttpBodyStream::State> stream;  // null: the body is collected in response.body
  std::uint64_t streamed_bytes = 0;
};

// The head of a streamed transfer is complete: open() gets it, and the body
// goes to the stream from here on.
void deliver_head(Transfer& t) {
  if (!t.handler) return;
  HttpResponse head;
  head.headers = t.response.headers;
  curl().easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &head.status);
  char* effective_url = nullptr;
  if (curl().easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective_url) == CURLE_OK && effective_url) {
    head.effective_url = effective_url;
  }
  t.slot.clear();
  t.slot = boost::asio::cancellation_slot();
  post_completion(take_handler(t.handler), Result<HttpResponse, HttpError>(std::move(head)),
                  t.stream->executor);
}

size_t on_streamed_body(Transfer& t, char* data, size_t bytes) {
  if (t.streamed_bytes + bytes > t.request.max_response_bytes) {
    t.too_large = true;
    return 0;
  }
  deliver_head(t);
  HttpBodyStream::State& stream = *t.stream;
  if (stream.pending.size() >= stream.buffer_bytes) {
    stream.paused = true;
    return CURL_WRITEFUNC_PAUSE;  // curl keeps this piece and hands it over again on resume
  }
  t.streamed_bytes += bytes;
  stream.pending.append(data, bytes);
  stream.wake_reader();
  return bytes;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  if (t->stream) return on_streamed_body(*t, data, bytes);
  std::string& body = t->response.body;
  if (body.size() + bytes > t->request.max_response_bytes) {
    t->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  if (body.empty()) {
    curl_off_t length = -1;
    if (curl().easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK && length > 0 &&
        static_cast<std::uint64_t>(length) <= t->request.max_response_bytes) {
      body.reserve(static_cast<size_t>(length));
    }
  }
  body.append(data, bytes);
  return bytes;
}

// What surrounds a header line and its parts: blanks and the line's CRLF.
constexpr std::string_view kHeaderSpace = " \t\r\n";

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const std::string_view line = trim(std::string_view(data, bytes), kHeaderSpace);
  if (line.starts_with("HTTP/")) {
    // A new status line: a redirect hop, 1xx or proxy response came before.
    t->response.headers.clear();
    return bytes;
  }
  if (line.empty() && t->stream) {
    // The end of a head: final unless curl goes on to another one (1xx, or a
    // redirect it follows).
    long status = 0;
    curl().easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    const bool followed =
        status / 100 == 3 && t->request.max_redirects > 0 && !t->response.header("location").empty();
    if (status >= 200 && !followed) deliver_head(*t);
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return bytes;
  t->response.headers.emplace_back(to_lower(trim(line.substr(0, colon), kHeaderSpace)),
                                   std::string(trim(line.substr(colon + 1), kHeaderSpace)));
  return bytes;
}

curl_socket_t on_open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (is_private_sockaddr(&address->addr)) {
    t->blocked = true;
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// Runs for new and reused connections and every redirect hop, so a pooled
// connection to a private peer cannot slip past on_open_socket.
int on_prereq(void* user, char* primary_ip, char* local_ip, int primary_port, int local_port) {
  auto* t = static_cast<Transfer*>(user);
  if (is_private_address(primary_ip)) {
    t->blocked = true;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

bool has_forbidden_chars(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_valid_method(std::string_view method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (!std::isupper(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

// REQUIRES: easy is a new or reset handle; the transfer owns it from here.
Result<std::unique_ptr<Transfer>, HttpError> make_transfer(HttpRequest request, std::uint64_t id,
                                                           CURL* easy) {
  if (easy == nullptr) return make_error(HttpError::Kind::kOther, "curl_easy_init failed");
  auto t = std::make_unique<Transfer>();
  t->easy = easy;
  if (!is_valid_method(request.method)) return make_error(HttpError::Kind::kOther, "invalid HTTP method");
  bool has_expect = false;
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_forbidden_chars(name) || has_forbidden_chars(value) ||
        name.find(':') != std::string::npos) {
      return make_error(HttpError::Kind::kOther, "request header name or value contains CR, LF, NUL or ':'");
    }
    has_expect = has_expect || to_lower(name) == "expect";
  }
  t->id = id;
  t->request = std::move(request);
  const HttpRequest& r = t->request;

  for (const auto& [name, value] : r.headers) {
    // "Name;" is curl's way to send a header with an empty value.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl().slist_append(t->header_list, line.c_str());
    if (next == nullptr) return make_error(HttpError::Kind::kOther, "out of memory building headers");
    t->header_list = next;
  }
  if (!has_expect) {
    // Large POSTs would otherwise wait up to 1 s for "100 Continue".
    curl_slist* next = curl().slist_append(t->header_list, "Expect:");
    if (next == nullptr) return make_error(HttpError::Kind::kOther, "out of memory building headers");
    t->header_list = next;
  }

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl().easy_setopt(easy, option, value);
  };
  set(CURLOPT_URL, r.url.c_str());
  set(CURLOPT_PRIVATE, static_cast<void*>(t.get()));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_ERRORBUFFER, t->error_buffer.data());
  set(CURLOPT_WRITEFUNCTION, &on_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(t.get()));
  set(CURLOPT_HEADERFUNCTION, &on_header);
  set(CURLOPT_HEADERDATA, static_cast<void*>(t.get()));
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(r.max_response_bytes));
  set(CURLOPT_ACCEPT_ENCODING, "");
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, r.max_redirects > 0 ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, static_cast<long>(std::max(r.max_redirects, 0)));
  // Explicit "" proxy and no-proxy list: the request decides, never the
  // process environment (http_proxy, no_proxy).
  set(CURLOPT_PROXY, r.proxy.c_str());
  set(CURLOPT_NOPROXY, "");
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  set(CURLOPT_HTTPHEADER, t->header_list);
  if (r.method == "GET") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (r.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    if (r.method != "POST") set(CURLOPT_CUSTOMREQUEST, r.method.c_str());
    const std::string_view payload = r.payload();
    if (r.method == "POST" || !payload.empty()) {
      set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
      set(CURLOPT_POSTFIELDS, payload.data());
    }
  }
  if (r.block_private_addresses && r.proxy.empty()) {
    set(CURLOPT_OPENSOCKETFUNCTION, &on_open_socket);
    set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(t.get()));
    set(CURLOPT_PREREQFUNCTION, &on_prereq);
    set(CURLOPT_PREREQDATA, static_cast<void*>(t.get()));
  }
  if (rc != CURLE_OK) {
    return make_error(HttpError::Kind::kOther, std::string("curl setup failed: ") + curl().easy_strerror(rc));
  }
  return t;
}

HttpError::Kind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return HttpError::Kind::kTimeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
      return HttpError::Kind::kConnectFailed;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return HttpError::Kind::kResolveFailed;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return HttpError::Kind::kConnectionReset;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return HttpError::Kind::kTls;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return HttpError::Kind::kBadUrl;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpError::Kind::kTooLarge;
    default:
      return HttpError::Kind::kOther;
  }
}

// Consumes the transfer's response on success.
Outcome outcome_of(Transfer& t, CURLcode code) {
  if (code == CURLE_OK) {
    HttpResponse response = std::move(t.response);
    curl().easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &response.status);
    char* effective_url = nullptr;
    if (curl().easy_getinfo(t.easy, CURLINFO_EFFECTIVE_URL, &effective_url) == CURLE_OK && effective_url) {
      response.effective_url = effective_url;
    }
    return response;
  }
  if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return make_error(HttpError::Kind::kTooLarge,
                      "response exceeded " + std::to_string(t.request.max_response_bytes) + " bytes");
  }
  if (t.blocked) {
    return make_error(HttpError::Kind::kBlockedAddress, "peer is a private or loopback address");
  }
  std::string message = curl().easy_strerror(code);
  if (t.error_buffer[0] != '\0') message += std::string(": ") + t.error_buffer.data();
  return make_error(kind_of(code), std::move(message));
}

// Easy handles kept for reuse: a new one costs two large allocations (its
// state and its 16 KiB receive buffer) and their frees; ~30 KiB each idle.
constexpr std::size_t kMaxIdleHandles = 256;

// Idle keep-alive connections the client keeps (curl closes the oldest past
// this); each holds one socket until the peer or curl's max age closes it.
constexpr long kMaxIdleConnections = 1024;

// Drives every transfer of one HttpClient from the io_context: curl says
// which sockets to watch and when to time out; Asio says when they are ready.
//
// curl's sockets sit in an epoll set of our own (level-triggered), and Asio
// waits on that one descriptor: a socket costs one epoll_ctl when curl's
// interest in it changes, instead of a dup, a registration with Asio's reactor
// and a re-arm per wait. Its timer is re-armed only when curl's next timeout
// moves earlier; firing early just re-arms it.
class CurlMulti : public std::enable_shared_from_this<CurlMulti> {
 public:
  explicit CurlMulti(boost::asio::any_io_executor executor)
      : executor_(std::move(executor)), multi_(curl().multi_init()), timer_(executor_), sockets_(executor_) {
    if (multi_ == nullptr) throw std::bad_alloc();
    const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) {
      curl().multi_cleanup(multi_);
      throw std::system_error(errno, std::generic_category(), "epoll_create1");
    }
    sockets_.assign(epoll_fd);
    curl().multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
    curl().multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl().multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
    curl().multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    // curl's default keeps 4 idle connections per transfer still added, so the
    // last transfers of a burst close almost every connection the burst opened
    // and the next burst (a poll round of many tasks) connects again.
    curl().multi_setopt(multi_, CURLMOPT_MAXCONNECTS, kMaxIdleConnections);
  }

  ~CurlMulti() {
    for (auto& [id, t] : transfers_) {
      curl().multi_remove_handle(multi_, t->easy);
      t->slot.clear();
      end_transfer(*t, make_error(HttpError::Kind::kCancelled, "HTTP client shut down"));
    }
    transfers_.clear();
    for (CURL* easy : idle_handles_) curl().easy_cleanup(easy);
    timer_.cancel();
    curl().multi_cleanup(multi_);  // closes curl's sockets, which leaves the epoll set empty
    boost::system::error_code ignored;
    sockets_.close(ignored);
  }

  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  std::uint64_t next_id() { return ++last_id_; }

  // A reset handle from the pool (no option of its last request is left), or
  // a new one; nullptr when curl cannot make one. The caller owns it.
  CURL* take_handle() {
    if (idle_handles_.empty()) return curl().easy_init();
    CURL* easy = idle_handles_.back();
    idle_handles_.pop_back();
    return easy;
  }

  void start(std::unique_ptr<Transfer> t, CompletionHandler handler) {
    const std::uint64_t id = t->id;
    t->handler.swap(handler);  // Boost 1.81's move-assignment recurses forever; swap does not.
    t->slot = boost::asio::get_associated_cancellation_slot(t->handler);
    if (t->slot.is_connected()) {
      // Keyed by id: the slot may fire after this transfer is long gone.
      t->slot.assign([weak = weak_from_this(), id](boost::asio::cancellation_type type) {
        if (type == boost::asio::cancellation_type::none) return;
        if (auto self = weak.lock()) self->cancel(id);
      });
    }
    CURL* easy = t->easy;
    if (t->stream) {
      t->stream->easy = easy;
      t->stream->cancel_transfer = [weak = weak_from_this(), id] {
        if (auto self = weak.lock()) self->cancel(id);
      };
    }
    transfers_.emplace(id, std::move(t));
    arm_sockets();
    const CURLMcode rc = curl().multi_add_handle(multi_, easy);
    if (rc != CURLM_OK) {
      finish(id, make_error(HttpError::Kind::kOther,
                            std::string("curl_multi_add_handle: ") + curl().multi_strerror(rc)));
    }
  }

  std::size_t in_flight() const { return transfers_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  // What curl asked to watch, kept in the epoll entry: fd in the low half.
  static constexpr int kInterestShift = 32;

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* user, void* socketp) {
    static_cast<CurlMulti*>(user)->watch(fd, what, socketp != nullptr);
    return 0;
  }

  static int on_timer(CURLM* multi, long timeout_ms, void* user) {
    static_cast<CurlMulti*>(user)->set_timeout(timeout_ms);
    return 0;
  }

  void watch(curl_socket_t fd, int what, bool known) {
    const int epoll_fd = sockets_.native_handle();
    if (what == CURL_POLL_REMOVE) {
      ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT if curl already closed it
      return;
    }
    epoll_event event{};
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
    event.data.u64 = static_cast<std::uint32_t>(fd) | (std::uint64_t(what) << kInterestShift);
    // `known`: curl has seen this fd with us before (multi_assign below). A
    // socket curl closed without telling left the set by itself, and a new
    // one may reuse its number: fall back either way.
    int rc = ::epoll_ctl(epoll_fd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event);
    if (rc != 0 && (errno == ENOENT || errno == EEXIST)) {
      rc = ::epoll_ctl(epoll_fd, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
    }
    if (rc != 0) {
      log::get("http")->warn("{}", log::text("log.http_cannot_watch_socket", fmt::arg("fd", fd),
                                             fmt::arg("reason", std::strerror(errno))));
      return;  // curl's own timeout will end the transfer
    }
    if (!known) curl().multi_assign(multi_, fd, this);
  }

  // Waits on the epoll set while any transfer is in flight (an idle client
  // leaves no work on the io_context).
  void arm_sockets() {
    if (sockets_armed_ || transfers_.empty()) return;
    sockets_armed_ = true;
    sockets_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [weak = weak_from_this()](const boost::system::error_code& ec) {
                          if (ec == boost::asio::error::operation_aborted) return;
                          auto self = weak.lock();
                          if (!self) return;
                          self->sockets_armed_ = false;
                          self->on_sockets_ready();
                          self->arm_sockets();
                        });
  }

  void on_sockets_ready() {
    std::array<epoll_event, 64> events;
    const int ready = ::epoll_wait(sockets_.native_handle(), events.data(), events.size(), 0);
    for (int i = 0; i < ready; ++i) {
      const auto fd = static_cast<curl_socket_t>(events[i].data.u64 & 0xFFFFFFFFu);
      const auto wanted = static_cast<int>(events[i].data.u64 >> kInterestShift);
      const std::uint32_t got = events[i].events;
      int action = 0;
      if (got & (EPOLLERR | EPOLLHUP)) action = wanted & (CURL_CSELECT_IN | CURL_CSELECT_OUT);
      if (got & EPOLLIN) action |= CURL_CSELECT_IN;
      if (got & EPOLLOUT) action |= CURL_CSELECT_OUT;
      int running = 0;
      curl().multi_socket_action(multi_, fd, action, &running);
    }
    collect_done();
  }

  void set_timeout(long timeout_ms) {
    if (timeout_ms < 0) {
      wanted_.reset();
      if (timer_armed_) {
        timer_armed_ = false;
        ++timer_generation_;
        timer_.cancel();
      }
      return;
    }
    const Clock::time_point due = Clock::now() + std::chrono::milliseconds(timeout_ms);
    wanted_ = due;
    if (timeout_ms == 0) {
      // Now: a posted call, not the timer (curl forbids acting from inside
      // this callback).
      if (!timeout_posted_) {
        timeout_posted_ = true;
        boost::asio::post(executor_, [weak = weak_from_this()] {
          auto self = weak.lock();
          if (!self) return;
          self->timeout_posted_ = false;
          if (self->wanted_ && *self->wanted_ <= Clock::now()) self->on_timeout();
        });
      }
      return;
    }
    if (timer_armed_ && timer_due_ <= due) return;  // fires early and re-arms then
    arm_timer(due);
  }

  void arm_timer(Clock::time_point due) {
    timer_armed_ = true;
    timer_due_ = due;
    const std::uint64_t generation = ++timer_generation_;
    timer_.expires_at(due);
    timer_.async_wait([weak = weak_from_this(), generation](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || generation != self->timer_generation_) return;
      self->timer_armed_ = false;
      if (!self->wanted_) return;
      if (*self->wanted_ > Clock::now()) {
        self->arm_timer(*self->wanted_);
      } else {
        self->on_timeout();
      }
    });
  }

  void on_timeout() {
    int running = 0;
    curl().multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    collect_done();
  }

  void collect_done() {
    int queued = 0;
    while (CURLMsg* message = curl().multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      const CURLcode code = message->data.result;
      char* user = nullptr;
      curl().easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &user);
      auto* t = reinterpret_cast<Transfer*>(user);
      finish(t->id, outcome_of(*t, code));
    }
  }

  void cancel(std::uint64_t id) {
    finish(id, make_error(HttpError::Kind::kCancelled, "request cancelled"), /*from_slot=*/true);
  }

  // from_slot: called from inside the cancellation handler, which must not
  // clear (destroy) itself while it runs.
  void finish(std::uint64_t id, Outcome outcome, bool from_slot = false) {
    auto it = transfers_.find(id);
    if (it == transfers_.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    transfers_.erase(it);
    curl().multi_remove_handle(multi_, t->easy);
    give_back(std::exchange(t->easy, nullptr));
    if (transfers_.empty() && sockets_armed_) {
      sockets_armed_ = false;
      sockets_.cancel();
    }
    if (!from_slot) t->slot.clear();
    if (!outcome.ok()) {
      log::get("http")->debug("{} request failed: {}: {}", t->request.method, to_string(outcome.error().kind),
                              outcome.error().message);
    }
    end_transfer(*t, std::move(outcome));
  }

  // Completes a request that is over: its handler (a plain request, or a
  // stream whose head never came) and its stream's reader.
  void end_transfer(Transfer& t, Outcome outcome) {
    if (t.stream) {
      HttpBodyStream::State& stream = *t.stream;
      stream.easy = nullptr;
      stream.cancel_transfer = nullptr;
      stream.done = true;
      if (!outcome.ok()) stream.error = outcome.error();
      stream.wake_reader();
    }
    if (t.handler) complete(std::move(t.handler), std::move(outcome));
  }

  // Resets a handle curl no longer drives and keeps it for take_handle(): the
  // reset drops every option (URL, headers, method, body, proxy, callbacks),
  // while connections and the DNS cache stay with the multi handle.
  void give_back(CURL* easy) {
    if (idle_handles_.size() >= kMaxIdleHandles) {
      curl().easy_cleanup(easy);
      return;
    }
    curl().easy_reset(easy);
    idle_handles_.push_back(easy);
  }

  void complete(CompletionHandler handler, Outcome outcome) {
    post_completion(std::move(handler), std::move(outcome), executor_);
  }

  boost::asio::any_io_executor executor_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  std::optional<Clock::time_point> wanted_;  // curl's next timeout, if any
  Clock::time_point timer_due_;              // when timer_ fires, while armed
  bool timer_armed_ = false;
  std::uint64_t timer_generation_ = 0;  // a cancelled or replaced wait ignores its completion
  bool timeout_posted_ = false;
  boost::asio::posix::stream_descriptor sockets_;  // the epoll set of curl's sockets
  bool sockets_armed_ = false;
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
  std::vector<CURL*> idle_handles_;  // reset, at most kMaxIdleHandles
  std::uint64_t last_id_ = 0;
};

}  // namespace

bool is_private_address(std::string_view ip) {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  const std::string text(ip);
  unsigned char bytes[16];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) return is_private_v4(bytes);
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) return is_private_v6(bytes);
  return false;
}

std::string HttpResponse::header(std::string_view name) const {
  const std::string wanted = to_lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return "";
}

const char* to_string(HttpError::Kind kind) {
  switch (kind) {
    case HttpError::Kind::kTimeout:
      return "timeout";
    case HttpError::Kind::kConnectFailed:
      return "connect_failed";
    case HttpError::Kind::kResolveFailed:
      return "resolve_failed";
    case HttpError::Kind::kConnectionReset:
      return "connection_reset";
    case HttpError::Kind::kTls:
      return "tls";
    case HttpError::Kind::kTooLarge:
      return "too_large";
    case HttpError::Kind::kBlockedAddress:
      return "blocked_address";
    case HttpError::Kind::kBadUrl:
      return "bad_url";
    case HttpError::Kind::kCancelled:
      return "cancelled";
    case HttpError::Kind::kOther:
      return "other";
  }
  return "other";
}

// libcurl itself (loaded with dlopen), its global state and the multi handle
// are created on the first request, so a bot that makes no HTTP call never
// maps them (~3 MB resident).
struct HttpClient::Impl {
  boost::asio::any_io_executor executor;
  std::shared_ptr<CurlMulti> multi;

  Result<CurlMulti*, HttpError> get() {
    if (!multi) {
      auto library = CurlLibrary::load();
      if (!library.ok()) return make_error(HttpError::Kind::kOther, library.error());
      multi = std::make_shared<CurlMulti>(executor);
    }
    return multi.get();
  }
};

Status HttpClient::preload_library() {
  auto library = CurlLibrary::load();
  if (!library.ok()) return Error::unavailable(library.error());
  return {};
}

HttpClient::HttpClient(boost::asio::any_io_executor executor)
    : impl_(std::make_unique<Impl>(Impl{std::move(executor), nullptr})) {}

HttpClient::~HttpClient() = default;

boost::asio::awaitable<Result<HttpResponse, HttpError>> HttpClient::request(HttpRequest request) {
  auto loaded = impl_->get();
  if (!loaded.ok()) co_return loaded.error();
  if (request.block_private_addresses && !request.proxy.empty()) {
    co_return co_await request_through_proxy(std::move(request));
  }
  co_return co_await send(std::move(request));
}

boost::asio::awaitable<Result<HttpResponse, HttpError>> HttpClient::request_through_proxy(
    HttpRequest request) {
  const int max_redirects = std::max(request.max_redirects, 0);
  request.max_redirects = 0;  // followed here, so that every hop is checked first
  for (int followed = 0;; ++followed) {
    auto allowed = co_await check_proxied_target(request.url);
    if (!allowed.ok()) {
      log::get("http")->warn(
          "{}", log::text("log.http_refused_before_proxy", fmt::arg("reason", allowed.error().message)));
      co_return allowed.error();
    }
    HttpRequest hop = request;
    auto response = co_await send(std::move(hop));
    if (!response.ok() || max_redirects == 0) co_return response;
    auto next = redirect_request(request, response.value());
    if (!next.ok()) co_return next.error();
    if (!next->has_value()) co_return response;
    if (followed == max_redirects) {
      co_return make_error(HttpError::Kind::kOther,
                           "more than " + std::to_string(max_redirects) + " redirects");
    }
    request = std::move(**next);
  }
}

boost::asio::awaitable<Result<std::unique_ptr<HttpBodyStream>, HttpError>> HttpClient::open(
    HttpRequest request, std::size_t buffer_bytes) {
  auto state = std::make_shared<HttpBodyStream::State>();
  state->executor = impl_->executor;
  state->buffer_bytes = std::max<std::size_t>(buffer_bytes, 1);
  // Owns the state from here: if this frame goes away while the head is
  // awaited, the transfer ends with it.
  auto stream = std::make_unique<HttpBodyStream>(state, HttpResponse());
  auto head = co_await send(std::move(request), std::move(state));
  if (!head.ok()) co_return head.error();
  stream->head_ = std::move(head).value();
  co_return stream;
}

boost::asio::awaitable<Result<HttpResponse, HttpError>> HttpClient::send(
    HttpRequest request, std::shared_ptr<HttpBodyStream::State> stream) {
  auto loaded = impl_->get();
  if (!loaded.ok()) co_return loaded.error();
  CurlMulti& multi = *loaded.value();
  auto transfer = make_transfer(std::move(request), multi.next_id(), multi.take_handle());
  if (!transfer.ok()) co_return transfer.error();
  transfer.value()->stream = std::move(stream);
  // Initiation runs before this coroutine yields, while the client is alive.
  // The frame keeps no strong reference, so destroying the client while
  // suspended here shuts the multi down and completes this request.
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(Outcome)>(
      [&multi](auto handler, std::unique_ptr<Transfer> t) {
        multi.start(std::move(t), CompletionHandler(std::move(handler)));
      },
      boost::asio::use_awaitable, std::move(transfer).value());
}

HttpBodyStream::HttpBodyStream(std::shared_ptr<State> state, HttpResponse head)
    : state_(std::move(state)), head_(std::move(head)) {}

HttpBodyStream::~HttpBodyStream() {
  if (state_) state_->end_transfer();
}

boost::asio::awaitable<Result<std::string, HttpError>> HttpBodyStream::next() {
  State& state = *state_;
  if (!state.pending.empty() || state.done) {
    Result<std::string, HttpError> value = std::exchange(state.pending, std::string());
    if (value->empty() && state.error) value = *state.error;
    state.resume();
    co_return value;
  }
  state.resume();
  co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>,
                                                 void(Result<std::string, HttpError>)>(
      [&state](auto handler) {
        State::ReadHandler reader(std::move(handler));
        state.reader.swap(reader);
        state.reader_slot = boost::asio::get_associated_cancellation_slot(state.reader);
        if (state.reader_slot.is_connected()) {
          state.reader_slot.assign(
              [weak = std::weak_ptr<State>(state.shared_from_this())](boost::asio::cancellation_type type) {
                if (type == boost::asio::cancellation_type::none) return;
                auto self = weak.lock();
                if (!self || !self->reader) return;
                // Not cleared here: the slot's handler is running.
                self->reader_slot = boost::asio::cancellation_slot();
                post_completion(
                    take_handler(self->reader),
                    Result<std::string, HttpError>(make_error(HttpError::Kind::kCancelled, "read cancelled")),
                    self->executor);
                self->end_transfer();
              });
        }
        state.wake_reader();  // the resume above may have brought bytes
      },
      boost::asio::use_awaitable);
}

std::size_t HttpClient::in_flight() const { return impl_->multi ? impl_->multi->in_flight() : 0; }

}  // namespace picbot::net
