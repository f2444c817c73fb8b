// Link: one OneBot WebSocket connection, whichever side opened it. The
// transport (bot/net) implements it; everything above sees only this, so no
// Beast header leaks past the transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace picbot::onebot {

class Link {
 public:
  virtual ~Link() = default;

  // Queues a text frame. Never blocks; frames are written in order. A frame
  // queued after close() is dropped with a debug log line.
  virtual void send(std::string frame) = 0;

  // Queues one text frame made of head, body and tail written back to back,
  // so a multi-megabyte body (a request's params with an inline image) is not
  // copied to put a few bytes around it. The default joins them and calls
  // send(); the WebSocket transport writes the three as one gathered frame.
  virtual void send_gathered(std::string head, std::string body, std::string tail) {
    head.reserve(head.size() + body.size() + tail.size());
    head += body;
    head += tail;
    send(std::move(head));
  }

  // Starts a clean close (WebSocket close code, 1000 by default) once the
  // queued frames are written.
  virtual void close(int code = 1000) = 0;

  // Drops the link when no frame arrives for this long (the watchdog).
  virtual void set_watchdog(std::chrono::milliseconds silence_limit) = 0;

  virtual bool is_open() const = 0;
  // Unique for the process lifetime; never reused.
  virtual std::uint64_t id() const = 0;
  // "reverse 127.0.0.1:51234" or "forward ws://host:3001/", for logs.
  virtual const std::string& description() const = 0;
};

// LinkInfo: what the transport knows about a connection when it opens.
struct LinkInfo {
  std::int64_t self_id = 0;  // from X-Self-ID (reverse); 0 when unknown yet
  std::string role;          // X-Client-Role: Universal, Event or API
  bool forward = false;      // true when picbot opened the connection
};

// LinkHandler: receives what happens on every link. Called on the io_context
// thread.
class LinkHandler {
 public:
  virtual ~LinkHandler() = default;
  virtual void on_open(const std::shared_ptr<Link>& link, const LinkInfo& info) = 0;
  virtual void on_frame(Link& link, std::string_view frame) = 0;
  virtual void on_close(Link& link, std::string_view reason) = 0;
};

}  // namespace picbot::onebot
