#include "bot/onebot/message.h"

#include "bot/onebot/base64.h"
#include "bot/onebot/cq_codec.h"

namespace picbot::onebot {

Result<Message> parse_message(const nlohmann::json& message) {
  // A CQ string is parsed in place; only JSON segments need an owned copy.
  if (message.is_string()) return parse_cq(message.get_ref<const std::string&>());
  return parse_message(nlohmann::json(message));
}

Result<Message> parse_message(nlohmann::json&& message) {
  if (message.is_string()) return parse_cq(message.get_ref<const std::string&>());
  if (message.is_object()) {
    auto segment = segment_from_json(std::move(message));
    if (!segment) return segment.error();
    return Message{std::move(*segment)};
  }
  if (!message.is_array()) {
    return Error::make("bad_message",
                       std::string("message is not an array, string or object but ") + message.type_name());
  }
  Message parsed;
  parsed.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    auto segment = segment_from_json(std::move(message[i]));
    if (!segment) {
      return Error::make(segment.error().code,
                         "segment " + std::to_string(i) + ": " + segment.error().message);
    }
    parsed.push_back(std::move(*segment));
  }
  return parsed;
}

nlohmann::json message_to_json(const Message& message) { return message_to_json(Message(message)); }

nlohmann::json message_to_json(Message&& message) {
  nlohmann::json out = nlohmann::json::array();
  out.get_ref<nlohmann::json::array_t&>().reserve(message.size());
  for (Segment& segment : message) out.push_back(segment_to_json(std::move(segment)));
  return out;
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
