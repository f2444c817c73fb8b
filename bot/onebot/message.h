// A OneBot message (a list of segments): parsing from any of the forms NapCat
// sends, serialising for send_*_msg, and a builder for outgoing messages.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/onebot/segment.h"

namespace picbot::onebot {

// Parses a message given as an array of segments, a CQ string, or a single
// segment object. Fails (code "bad_message") for any other JSON type, or with
// the first bad segment's error prefixed by its index ("segment 2: at segment
// without qq"). Never throws. The rvalue overload moves strings out of message.
Result<Message> parse_message(const nlohmann::json& message);
Result<Message> parse_message(nlohmann::json&& message);

// Returns the OneBot array form. The rvalue overload moves segment contents
// (e.g. a multi-megabyte base64 image) into the JSON instead of copying them.
nlohmann::json message_to_json(const Message& message);
nlohmann::json message_to_json(Message&& message);

// Appends the OneBot array form as compact JSON to out: it parses to
// message_to_json(message). Text and at segments are written directly, in
// "type","data" order; an invalid UTF-8 byte becomes U+FFFD.
void append_message_json(const Message& message, std::string& out);

// Appends text as a JSON string literal (quotes, escapes; invalid UTF-8
// replaced by U+FFFD).
void append_json_string(std::string_view text, std::string& out);

// Returns the concatenated text of the Text segments; other segments add nothing.
std::string plain_text(const Message& message);

// MessageBuilder assembles an outgoing message:
//   MessageBuilder().reply(event.message_id).at(event.user_id).text(" done").image_file(url).build()
// Not thread-safe; use one builder per message.
class MessageBuilder {
 public:
  MessageBuilder& text(std::string text);
  // qq: a QQ number, or "all" for @everyone.
  MessageBuilder& at(std::int64_t user_id);
  MessageBuilder& at(std::string qq);
  MessageBuilder& reply(std::int64_t message_id);
  MessageBuilder& face(int id);
  // Encodes raw_bytes once into an image with file = "base64://...". Works
  // wherever NapCat runs; the frame must stay under NapCat's 50 MB limit.
  MessageBuilder& image_base64(std::string_view raw_bytes);
  // file as given: "file:///abs/path", "http(s)://...", or a path. Local paths
  // must exist on NapCat's host, not the bot's.
  MessageBuilder& image_file(std::string path_or_url);
  MessageBuilder& segment(Segment segment);

  // Returns the message built so far and leaves the builder empty.
  Message build();

 private:
  Message message_;
};

}  // namespace picbot::onebot
