#include "bot/onebot/message.h"

#include "bot/core/utf8.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/cq_codec.h"
#include "bot/onebot/json_view.h"
#include "bot/onebot/simd_view.h"

namespace picbot::onebot {

Result<Message> parse_message(const nlohmann::json& message) {
  // A CQ string is parsed in place; only JSON segments need an owned copy.
  if (message.is_string()) return parse_cq(message.get_ref<const std::string&>());
  return parse_message(nlohmann::json(message));
}

namespace {

std::string_view string_of(const nlohmann::json& value) { return value.get_ref<const std::string&>(); }
std::string_view string_of(const boost::json::value& value) {
  return {value.get_string().data(), value.get_string().size()};
}
nlohmann::json::array_t& array_of(nlohmann::json& value) { return value.get_ref<nlohmann::json::array_t&>(); }
const boost::json::array& array_of(const boost::json::value& value) { return value.get_array(); }
std::string_view string_of(const SimdValue& value) { return value.element().get_string().value_unsafe(); }
simdjson::dom::array array_of(const SimdValue& value) { return value.element().get_array().value_unsafe(); }

// An array's item as segment_from_json takes it.
nlohmann::json&& item_of(nlohmann::json& item) { return std::move(item); }
const boost::json::value& item_of(const boost::json::value& item) { return item; }
SimdValue item_of(simdjson::dom::element item) { return item; }

// Json: nlohmann::json (moved from), const boost::json::value or const
// SimdValue (a frame's parsed text; copied).
template <class Json>
Result<Message> parse_message_from(Json& message) {
  if (message.is_string()) return parse_cq(string_of(message));
  if (message.is_object()) {
    auto segment = segment_from_json(std::move(message));
    if (!segment) return segment.error();
    return Message{std::move(*segment)};
  }
  if (!message.is_array()) {
    return Error::make("bad_message",
                       std::string("message is not an array, string or object but ") + type_name_of(message));
  }
  auto&& items = array_of(message);
  Message parsed;
  parsed.reserve(items.size());
  std::size_t index = 0;
  for (auto&& item : items) {
    auto segment = segment_from_json(item_of(item));
    if (!segment) {
      return Error::make(segment.error().code,
                         "segment " + std::to_string(index) + ": " + segment.error().message);
    }
    parsed.push_back(std::move(*segment));
    ++index;
  }
  return parsed;
}

}  // namespace

Result<Message> parse_message(nlohmann::json&& message) { return parse_message_from(message); }

Result<Message> parse_message(const boost::json::value& message) { return parse_message_from(message); }

Result<Message> parse_message(const SimdValue& message) { return parse_message_from(message); }

nlohmann::json message_to_json(const Message& message) { return message_to_json(Message(message)); }

nlohmann::json message_to_json(Message&& message) {
  nlohmann::json out = nlohmann::json::array();
  out.get_ref<nlohmann::json::array_t&>().reserve(message.size());
  for (Segment& segment : message) out.push_back(segment_to_json(std::move(segment)));
  return out;
}

void append_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Plain ASCII needs no escaping: copy whole runs (an image's base64 is
    // megabytes of it).
    std::size_t run = i;
    while (run < text.size()) {
      const unsigned char r = static_cast<unsigned char>(text[run]);
      if (r < 0x20 || r >= 0x80 || r == '"' || r == '\\') break;
      ++run;
    }
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence_length(text, i);
      if (length == 0) {
        out += "\xef\xbf\xbd";  // U+FFFD, as nlohmann's error_handler_t::replace
        ++i;
      } else {
        out.append(text.data() + i, length);
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_message_json(const Message& message, std::string& out) {
  out += '[';
  bool first = true;
  for (const Segment& segment : message) {
    if (!first) out += ',';
    first = false;
    if (const auto* text = std::get_if<Text>(&segment)) {
      out += R"({"type":"text","data":{"text":)";
      append_json_string(text->text, out);
      out += "}}";
    } else if (const auto* at = std::get_if<At>(&segment); at != nullptr && at->name.empty()) {
      out += R"({"type":"at","data":{"qq":)";
      append_json_string(at->qq, out);
      out += "}}";
    } else if (const auto* image = std::get_if<Image>(&segment)) {
      // Images carry megabytes of base64: no JSON DOM copy of them.
      out += R"({"type":"image","data":{"file":)";
      append_json_string(image->file, out);
      if (!image->url.empty()) {
        out += R"(,"url":)";
        append_json_string(image->url, out);
      }
      if (!image->summary.empty()) {
        out += R"(,"summary":)";
        append_json_string(image->summary, out);
      }
      if (image->sub_type != 0) out += R"(,"sub_type":)" + std::to_string(image->sub_type);
      if (image->file_size) out += R"(,"file_size":)" + std::to_string(*image->file_size);
      out += "}}";
    } else {
      out += segment_to_json(segment).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  out += ']';
}

std::string plain_text(const Message& message) {
  std::string out;
  for (const Segment& segment : message) {
    if (const auto* text = std::get_if<Text>(&segment)) out += text->text;
  }
  return out;
}

MessageBuilder& MessageBuilder::text(std::string text) { return segment(Text{std::move(text)}); }

MessageBuilder& MessageBuilder::at(std::int64_t user_id) { return at(std::to_string(user_id)); }

MessageBuilder& MessageBuilder::at(std::string qq) { return segment(At{std::move(qq), {}}); }

MessageBuilder& MessageBuilder::reply(std::int64_t message_id) {
  return segment(Reply{std::to_string(message_id)});
}

MessageBuilder& MessageBuilder::face(int id) { return segment(Face{std::to_string(id)}); }

MessageBuilder& MessageBuilder::image_base64(std::string_view raw_bytes) {
  constexpr std::string_view kScheme = "base64://";
  Image image;
  image.file.reserve(kScheme.size() + (raw_bytes.size() + 2) / 3 * 4);
  image.file = kScheme;
  base64_encode_append(raw_bytes, image.file);
  return segment(std::move(image));
}

MessageBuilder& MessageBuilder::image_file(std::string path_or_url) {
  Image image;
  image.file = std::move(path_or_url);
  return segment(std::move(image));
}

MessageBuilder& MessageBuilder::segment(Segment segment) {
  message_.push_back(std::move(segment));
  return *this;
}

Message MessageBuilder::build() {
  Message built = std::move(message_);
  message_.clear();
  return built;
}

}  // namespace picbot::onebot
