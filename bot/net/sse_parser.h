// SseParser: the server-sent events stream format (WHATWG HTML, "9.2.6
// Interpreting an event stream"), fed the body of a text/event-stream answer
// in pieces as they arrive. Lines end in CRLF, LF or CR (a CR at the end of
// one piece and an LF at the start of the next are one line end); "data:"
// lines of one event are joined with "\n"; "event:" and "id:" are kept;
// comment lines (":" first, e.g. OpenRouter's ": OPENROUTER PROCESSING") and
// unknown fields are skipped; a blank line dispatches the event; an event
// without data is not dispatched.
//
// Limits: a line longer than max_line_bytes or an event whose data exceeds
// max_event_bytes fails feed() ("sse_line_too_long" / "sse_event_too_large");
// after a failure the parser stays failed. Memory is bounded by the two
// limits. Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"

namespace picbot::net {

struct SseEvent {
  std::string event;  // "" when the event had no "event:" field ("message")
  std::string data;
  std::string id;
};

struct SseLimits {
  std::size_t max_line_bytes = 32 * 1024 * 1024;
  std::size_t max_event_bytes = 32 * 1024 * 1024;
};

class SseParser {
 public:
  explicit SseParser(SseLimits limits = {});

  // Parses the next piece of the stream and appends every event it completes
  // to `out`. Errors: "sse_line_too_long", "sse_event_too_large"; the events
  // completed before the error are in `out`.
  Status feed(std::string_view bytes, std::vector<SseEvent>& out);

  // True when a line or event is partly read (the stream ended mid-event if
  // it ends now).
  bool in_event() const;

 private:
  Status take_line(std::string_view line, std::vector<SseEvent>& out);

  SseLimits limits_;
  std::string line_;       // the current line, without its end
  bool after_cr_ = false;  // the last byte fed was a CR: an LF right after it is part of that line end
  bool has_data_ = false;  // pending_ has at least one "data:" line
  SseEvent pending_;       // the event being read
  std::string failed_;     // the error code once failed, else ""
};

}  // namespace picbot::net
