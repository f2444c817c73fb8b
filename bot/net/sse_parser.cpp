#include "bot/net/sse_parser.h"

namespace picbot::net {

SseParser::SseParser(SseLimits limits) : limits_(limits) {}

bool SseParser::in_event() const { return !line_.empty() || has_data_ || !pending_.event.empty(); }

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
  if (!failed_.empty()) return Error{failed_, "the event stream already failed"};
  std::size_t i = 0;
  if (after_cr_ && !bytes.empty() && bytes.front() == '\n') i = 1;
  after_cr_ = false;
  while (i < bytes.size()) {
    const std::size_t end = bytes.find_first_of("\r\n", i);
    const std::string_view piece =
        bytes.substr(i, end == std::string_view::npos ? bytes.size() - i : end - i);
    if (line_.size() + piece.size() > limits_.max_line_bytes) {
      failed_ = "sse_line_too_long";
      return Error{failed_,
                   "an event stream line exceeds " + std::to_string(limits_.max_line_bytes) + " bytes"};
    }
    if (end == std::string_view::npos) {
      line_.append(piece);
      break;
    }
    Status taken = Status();
    if (line_.empty()) {
      taken = take_line(piece, out);
    } else {
      line_.append(piece);
      const std::string line = std::move(line_);
      line_.clear();
      taken = take_line(line, out);
    }
    if (!taken.ok()) return taken;
    i = end + 1;
    if (bytes[end] == '\r') {
      if (i < bytes.size()) {
        if (bytes[i] == '\n') ++i;
      } else {
        after_cr_ = true;
      }
    }
  }
  return Status();
}

Status SseParser::take_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (has_data_) out.push_back(std::move(pending_));
    pending_ = SseEvent{};
    has_data_ = false;
    return Status();
  }
  if (line.front() == ':') return Status();  // a comment
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    const std::size_t grown = pending_.data.size() + value.size() + (has_data_ ? 1 : 0);
    if (grown > limits_.max_event_bytes) {
      failed_ = "sse_event_too_large";
      return Error{failed_,
                   "an event stream event exceeds " + std::to_string(limits_.max_event_bytes) + " bytes"};
    }
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
  }
  return Status();
}

}  // namespace picbot::net
