#include "bench/raw_napcat_link.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace picbot::bench {
namespace {

constexpr std::size_t kBadExamples = 3;
// Events appended per batch: bounded so replies keep being read while a long
// flood is written.
constexpr std::size_t kBatchBytes = 64 * 1024;
// The smallest API call a bot writes for an event ({"action":"send_msg",...}).
constexpr std::size_t kMinCallBytes = 64;
// At most ~31 of picbot's /ping calls (132 bytes): half of what the bot has
// in flight per account (Dispatcher::Options::max_in_flight_per_account, 64),
// so the bot never waits on an answer held back here. Measured, 20,000 pings
// at load 5.6: 32 KiB 9.8k replies/s (the bot stalled on answers), 2 KiB
// 2.5-3.8 us of generator CPU per message, 4 KiB 1.6-2.0 us.
constexpr std::size_t kMaxReadThreshold = 4096;
constexpr MaskKey kAnswerKey = {0x5a, 0x13, 0xc7, 0x8e};

bool is_send_action(std::string_view action) {
  return action == "send_group_msg" || action == "send_private_msg" || action == "send_msg";
}

}  // namespace

struct RawNapCatLink::Impl {
  explicit Impl(const std::atomic<bool>& interrupted_flag) : interrupted(interrupted_flag) {}
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  void fail(std::string why) {
    if (error.empty()) error = std::move(why);
    open = false;
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

  std::size_t pending() const { return out.size() - out_sent; }

  // NapCat's answer, as NapCatLink::Impl::answer (bench/load_napcat_link.cpp):
  // success with a fresh message_id for the send actions, the account for
  // get_login_info, 1404 for anything else; the call's echo copied verbatim.
  void queue_answer(const CallFields& call) {
    answer.clear();
    if (is_send_action(call.action)) {
      answer += R"({"status":"ok","retcode":0,"data":{"message_id":)";
      answer += std::to_string(next_message_id++);
      answer += R"(},"message":"","wording":"")";
    } else if (call.action == "get_login_info") {
      answer += R"({"status":"ok","retcode":0,"data":{"user_id":)";
      answer += std::to_string(self_id);
      answer += R"(,"nickname":"bench"},"message":"","wording":"")";
    } else {
      answer += R"({"status":"failed","retcode":1404,"data":null,"message":"不支持的Api )";
      answer += call.action;
      answer += R"(","wording":"不支持的Api )";
      answer += call.action;
      answer += '"';
    }
    if (!call.echo.empty()) {
      answer += R"(,"echo":)";
      answer += call.echo;
    }
    answer += R"(,"stream":"normal-action"})";
    append_masked_frame(out, Opcode::text, answer, kAnswerKey);
    ++answers_queued;
  }

  void note_bad(std::string_view text) {
    ++outcome.bad_calls;
    if (outcome.bad_examples.size() < kBadExamples) outcome.bad_examples.emplace_back(text.substr(0, 300));
  }

  void handle_message(std::string_view text, SteadyTime now) {
    const std::optional<CallFields> call = scan_call(text);
    if (!call) {
      note_bad(text);
      return;
    }
    queue_answer(*call);
    if (!flooding) return;
    const std::optional<std::size_t> index = (*match)(*call);
    if (!index || *index >= next_event || answered[*index]) {
      note_bad(text);
      return;
    }
    answered[*index] = true;
    if (*index != outcome.replies) ++outcome.out_of_order;
    ++outcome.replies;
    outcome.latency_us[*index] = std::chrono::duration<double, std::micro>(now - sent_at[*index]).count();
    outcome.last_reply = now;
    if (outcome.replies == run->count) answers_needed = answers_queued;
  }

  // Cuts every complete frame out of the read buffer.
  void handle_input(SteadyTime now) {
    while (open || closing) {
      FrameError frame_error;
      const std::string_view bytes(in.data() + in_begin, in_end - in_begin);
      const std::optional<ServerFrame> frame = next_server_frame(bytes, frame_error);
      if (!frame_error.why.empty()) return fail("read: " + frame_error.why);
      if (!frame) break;
      in_begin += frame->size;
      switch (frame->opcode) {
        case Opcode::close:
          peer_closed = true;
          if (!closing) fail("the bot closed the link");
          return;
        case Opcode::ping:
          append_masked_frame(out, Opcode::pong, frame->payload, kAnswerKey);
          break;
        case Opcode::pong:
          break;
        case Opcode::continuation:
        case Opcode::text:
        case Opcode::binary:
          if (frame->fin && fragments.empty()) {
            handle_message(frame->payload, now);
          } else {
            fragments.append(frame->payload);
            if (frame->fin) {
              handle_message(fragments, now);
              fragments.clear();
            }
          }
          break;
      }
    }
    if (in_begin == in_end) in_begin = in_end = 0;
  }

  // Appends the next events the window allows, up to one batch.
  void append_events() {
    if (!flooding || pending() >= kBatchBytes) return;
    if (out_sent > 0 && out_sent == out.size()) out.clear(), out_sent = 0;
    const auto now = std::chrono::steady_clock::now();
    const std::size_t frame_size = run->frame.bytes.size();
    while (next_event < run->count && (window == 0 || next_event - outcome.replies < window) &&
           pending() < kBatchBytes) {
      const std::size_t index = next_event++;
      const std::size_t at = out.size();
      out.append(run->frame.bytes.data(), frame_size);
      run->patch(index, out.data() + at);
      sent_at[index] = now;
      if (index == 0) outcome.first_sent = now;
      ++outcome.sent;
    }
  }

  // Flood mode (no window): wake for reads only once several calls are
  // there, so one read takes many calls and one write carries their answers
  // with the next events (SO_RCVLOWAT). The threshold is the smaller of
  // - what the outstanding events must bring (every call is at least
  //   kMinCallBytes long), so the flood's tail never waits, and
  // - `read_cap`, which adapts to the bot: a bot that waits for each answer
  //   before its next call (Koishi) never fills a large threshold, so a poll
  //   that times out with calls below it quarters the cap; a read that brings
  //   four times the cap doubles it, up to kMaxReadThreshold. A stall costs
  //   one 5 ms poll timeout, three times from 4 KiB down to a single call. With a window every call is read
  //   as it arrives, so latencies stay exact.
  void set_read_threshold() {
    std::size_t want = 1;
    if (flooding && window == 0) {
      const std::size_t outstanding = next_event - outcome.replies;
      want =
          std::clamp<std::size_t>(std::min(outstanding * kMinCallBytes / 2, read_cap), 1, kMaxReadThreshold);
    }
    if (want == read_threshold || (want > read_threshold && want < 2 * read_threshold)) return;
    const int value = static_cast<int>(want);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &value, sizeof(value)) == 0) read_threshold = want;
  }

  void adapt_read_cap(bool timed_out, std::size_t bytes_read) {
    if (read_threshold <= 1 || bytes_read == 0) return;
    if (timed_out && bytes_read < read_threshold) {
      read_cap = std::max<std::size_t>(1, read_cap / 4);
    } else if (bytes_read >= 4 * read_cap) {
      read_cap = std::min(kMaxReadThreshold, read_cap * 2);
    }
  }

  // One turn: append events, write what is pending, wait until the socket
  // is readable (or writable again), read. Returns false once the link has
  // failed.
  bool turn(SteadyTime deadline) {
    append_events();
    if (pending() > 0) {
      const ssize_t n = ::send(fd, out.data() + out_sent, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        out_sent += static_cast<std::size_t>(n);
        if (out_sent == out.size()) out.clear(), out_sent = 0;
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        fail(std::string("write: ") + std::strerror(errno));
        return false;
      }
      // More events may fit the window now: write them before waiting.
      if (pending() == 0 && flooding && next_event < run->count &&
          (window == 0 || next_event - outcome.replies < window))
        return true;
    }
    set_read_threshold();
    pollfd p{fd, static_cast<short>(POLLIN | (pending() > 0 ? POLLOUT : 0)), 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const std::int64_t wait_ms = 5;
    const int ready = ::poll(&p, 1, static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, wait_ms)));
    if (ready == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLIN | POLLHUP | POLLERR))) return true;
    if (in.size() - in_end < 16 * 1024) {
      if (in_begin > 0) {
        std::memmove(in.data(), in.data() + in_begin, in_end - in_begin);
        in_end -= in_begin;
        in_begin = 0;
      }
      if (in.size() - in_end < 16 * 1024) in.resize(in.size() * 2);
    }
    const ssize_t n = ::recv(fd, in.data() + in_end, in.size() - in_end, MSG_DONTWAIT);
    if (n > 0) {
      in_end += static_cast<std::size_t>(n);
      adapt_read_cap(ready == 0, static_cast<std::size_t>(n));
      handle_input(std::chrono::steady_clock::now());
    } else if (n == 0) {
      peer_closed = true;
      if (!closing) fail("the bot closed the connection");
      return false;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      if (!closing) fail(std::string("read: ") + std::strerror(errno));
      return false;
    }
    return error.empty();
  }

  template <class Done>
  bool run_until(Done done, SteadyTime deadline) {
    while (!done()) {
      if (!error.empty() || interrupted || std::chrono::steady_clock::now() >= deadline) return false;
      if (!turn(deadline)) return done();
    }
    return true;
  }

  std::optional<std::string> connect(std::uint16_t port, const std::string& path, std::int64_t id,
                                     const std::string& token, std::chrono::milliseconds timeout) {
    self_id = id;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::string("socket: ") + std::strerror(errno);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 && errno != EINPROGRESS)
      return error = std::string("connect: ") + std::strerror(errno);
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return error = "connect: timeout";
    int so_error = 0;
    socklen_t length = sizeof(so_error);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
    if (so_error != 0) return error = std::string("connect: ") + std::strerror(so_error);

    // RFC 6455 section 4.1 with NapCat's reverse-WS headers (as NapCatLink).
    out = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: cGljYm90LWJlbmNoLWtleQ==\r\n"
          "Sec-WebSocket-Version: 13\r\nX-Self-ID: " +
          std::to_string(id) +
          "\r\nX-Client-Role: Universal\r\nUser-Agent: OneBot/11\r\nAuthorization: Bearer " + token +
          "\r\n\r\n";
    out_sent = 0;
    std::string response;
    while (true) {
      if (interrupted) return error = "interrupted";
      if (std::chrono::steady_clock::now() >= deadline) return error = "handshake: timeout";
      if (pending() > 0) {
        const ssize_t n = ::send(fd, out.data() + out_sent, pending(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) out_sent += static_cast<std::size_t>(n);
      }
      char buffer[4096];
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
      if (n == 0) return error = "handshake: the bot closed the connection (" + response.substr(0, 200) + ")";
      if (n > 0) response.append(buffer, static_cast<std::size_t>(n));
      if (const std::size_t end = response.find("\r\n\r\n"); end != std::string::npos) {
        if (response.compare(0, 13, "HTTP/1.1 101 ") != 0)
          return error = "handshake: " + response.substr(0, response.find("\r\n"));
        // Bytes after the header are the first frames.
        const std::string rest = response.substr(end + 4);
        in.resize(std::max<std::size_t>(256 * 1024, rest.size() * 2));
        std::memcpy(in.data(), rest.data(), rest.size());
        in_begin = 0;
        in_end = rest.size();
        break;
      }
      pollfd wait{fd, static_cast<short>(POLLIN | (pending() > 0 ? POLLOUT : 0)), 0};
      ::poll(&wait, 1, 5);
    }
    out.clear();
    out_sent = 0;
    open = true;
    handle_input(std::chrono::steady_clock::now());
    return std::nullopt;
  }

  const std::atomic<bool>& interrupted;
  int fd = -1;
  bool open = false;
  bool closing = false;
  bool peer_closed = false;
  std::string error;
  std::int64_t self_id = 0;

  std::string out;  // frames to write; out_sent bytes of it are written
  std::size_t out_sent = 0;
  std::size_t read_threshold = 1;            // SO_RCVLOWAT in force
  std::size_t read_cap = kMaxReadThreshold;  // see set_read_threshold
  std::vector<char> in;                      // bytes read; [in_begin, in_end) not yet consumed
  std::size_t in_begin = 0;
  std::size_t in_end = 0;
  std::string fragments;  // a fragmented message in progress
  std::string answer;     // scratch for queue_answer

  std::uint64_t answers_queued = 0;
  std::uint64_t answers_needed = 0;
  std::uint64_t next_message_id = 1;

  // The flood in progress (or the last one).
  bool flooding = false;
  const EventRun* run = nullptr;
  std::size_t window = 0;
  const Matcher* match = nullptr;
  std::size_t next_event = 0;
  std::vector<SteadyTime> sent_at;
  std::vector<bool> answered;
  FloodOutcome outcome;
};

RawNapCatLink::RawNapCatLink(const std::atomic<bool>& interrupted)
    : impl_(std::make_unique<Impl>(interrupted)) {}

RawNapCatLink::~RawNapCatLink() = default;

std::optional<std::string> RawNapCatLink::connect(std::uint16_t port, const std::string& path,
                                                  std::int64_t self_id, const std::string& token,
                                                  std::chrono::milliseconds timeout) {
  return impl_->connect(port, path, self_id, token, timeout);
}

std::optional<std::string> RawNapCatLink::send(std::string_view payload, std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.open) return impl.error.empty() ? "link not open" : impl.error;
  append_masked_frame(impl.out, Opcode::text, payload, kAnswerKey);
  if (impl.run_until([&] { return impl.pending() == 0; }, std::chrono::steady_clock::now() + timeout))
    return std::nullopt;
  if (impl.error.empty())
    impl.fail("send: frame not written within " + std::to_string(timeout.count()) + " ms");
  return impl.error;
}

FloodOutcome RawNapCatLink::flood(const EventRun& run, std::size_t window, const Matcher& match,
                                  std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  impl.outcome = FloodOutcome{};
  if (!impl.open) {
    impl.outcome.error = impl.error.empty() ? "link not open" : impl.error;
    return impl.outcome;
  }
  const std::size_t count = run.count;
  impl.run = &run;
  impl.window = window;
  impl.match = &match;
  impl.next_event = 0;
  impl.sent_at.assign(count, SteadyTime{});
  impl.answered.assign(count, false);
  impl.outcome.latency_us.assign(count, 0.0);
  impl.answers_needed = count == 0 ? impl.answers_queued : ~std::uint64_t{0};
  impl.flooding = true;
  // Done when every event has its call and every answer queued until the last
  // call is on the wire.
  const bool done = impl.run_until(
      [&] {
        return impl.outcome.replies == count && impl.answers_queued >= impl.answers_needed &&
               impl.pending() == 0;
      },
      std::chrono::steady_clock::now() + timeout);
  impl.flooding = false;
  if (!done) {
    std::string why = impl.error;
    if (why.empty()) {
      why = impl.interrupted.load() ? "interrupted"
                                    : "timeout after " + std::to_string(timeout.count()) + " ms";
      impl.fail(why);  // an event may still be half written: a failed link is never reused
    }
    impl.outcome.error =
        why + " (" + std::to_string(impl.outcome.replies) + "/" + std::to_string(count) + " replies)";
  }
  impl.run = nullptr;
  return impl.outcome;
}

std::uint64_t RawNapCatLink::calls_answered() const { return impl_->answers_queued; }

void RawNapCatLink::close(std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  if (!impl.open) return;
  impl.closing = true;
  const char code[2] = {static_cast<char>(1000 >> 8), static_cast<char>(1000 & 0xFF)};
  append_masked_frame(impl.out, Opcode::close, std::string_view(code, 2), kAnswerKey);
  impl.run_until([&] { return impl.peer_closed; }, std::chrono::steady_clock::now() + timeout);
  impl.open = false;
  ::shutdown(impl.fd, SHUT_RDWR);
}

}  // namespace picbot::bench
