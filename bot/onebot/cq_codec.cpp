#include "bot/onebot/cq_codec.h"

#include <optional>

#include "bot/onebot/ids.h"

namespace picbot::onebot {
namespace {

constexpr std::string_view kCodeOpen = "[CQ:";

void append_escaped(std::string_view text, bool in_param, std::string& out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '[':
        out += "&#91;";
        break;
      case ']':
        out += "&#93;";
        break;
      case ',':
        if (in_param) {
          out += "&#44;";
          break;
        }
        [[fallthrough]];
      default:
        out += c;
    }
  }
}

void append_unescaped(std::string_view text, std::string& out) {
  static constexpr struct {
    std::string_view entity;
    char plain;
  } kEntities[] = {{"&amp;", '&'}, {"&#91;", '['}, {"&#93;", ']'}, {"&#44;", ','}};
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) {
      out.append(text.substr(pos));
      return;
    }
    out.append(text.substr(pos, amp - pos));
    pos = amp + 1;
    out += '&';
    for (const auto& [entity, plain] : kEntities) {
      if (text.substr(amp).starts_with(entity)) {
        out.back() = plain;
        pos = amp + entity.size();
        break;
      }
    }
  }
}

bool is_type_name(std::string_view type) {
  if (type.empty()) return false;
  for (char c : type) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Parses the inside of "[CQ:...]"; nullopt when it is not a well-formed code.
std::optional<Segment> parse_code(std::string_view body) {
  const std::size_t type_end = body.find(',');
  const std::string_view type = body.substr(0, type_end);
  if (!is_type_name(type)) return std::nullopt;
  nlohmann::json data = nlohmann::json::object();
  std::size_t pos = type_end;
  while (pos != std::string_view::npos) {
    const std::size_t start = pos + 1;
    pos = body.find(',', start);
    const std::string_view param = body.substr(start, pos == std::string_view::npos ? pos : pos - start);
    if (param.empty()) continue;  // tolerate "[CQ:face,id=1,]"
    const std::size_t eq = param.find('=');
    if (eq == 0 || eq == std::string_view::npos) return std::nullopt;
    std::string value;
    append_unescaped(param.substr(eq + 1), value);
    data[std::string(param.substr(0, eq))] = std::move(value);
  }
  nlohmann::json segment = nlohmann::json::object();
  segment["type"] = type;
  segment["data"] = std::move(data);
  auto parsed = segment_from_json(std::move(segment));
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

}  // namespace

Result<Message> parse_cq(std::string_view text) {
  Message message;
  std::string pending;  // literal text not yet emitted as a Text segment
  auto flush = [&] {
    if (pending.empty()) return;
    message.emplace_back(Text{std::move(pending)});
    pending.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find(kCodeOpen, pos);
    if (open == std::string_view::npos) {
      append_unescaped(text.substr(pos), pending);
      break;
    }
    append_unescaped(text.substr(pos, open - pos), pending);
    // A '[' before the closing ']' means this "[CQ:" was never terminated.
    const std::size_t end = text.find_first_of("[]", open + kCodeOpen.size());
    if (end == std::string_view::npos || text[end] == '[') {
      const std::size_t literal_end = end == std::string_view::npos ? text.size() : end;
      append_unescaped(text.substr(open, literal_end - open), pending);
      pos = literal_end;
      continue;
    }
    const std::string_view body = text.substr(open + kCodeOpen.size(), end - open - kCodeOpen.size());
    if (auto segment = parse_code(body)) {
      flush();
      message.push_back(std::move(*segment));
    } else {
      append_unescaped(text.substr(open, end + 1 - open), pending);
    }
    pos = end + 1;
  }
  flush();
  return message;
}

std::string to_cq(const Message& message) {
  std::string out;
  for (const Segment& segment : message) {
    if (const auto* text = std::get_if<Text>(&segment)) {
      append_escaped(text->text, false, out);
      continue;
    }
    const nlohmann::json json = segment_to_json(segment);
    out += kCodeOpen;
    out += json["type"].get_ref<const std::string&>();
    for (const auto& [key, value] : json["data"].items()) {
      out += ',';
      out += key;
      out += '=';
      append_escaped(json_to_string(value), true, out);
    }
    out += ']';
  }
  return out;
}

std::string cq_escape(std::string_view text, bool in_param) {
  std::string out;
  out.reserve(text.size());
  append_escaped(text, in_param, out);
  return out;
}

std::string cq_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_unescaped(text, out);
  return out;
}

}  // namespace picbot::onebot
