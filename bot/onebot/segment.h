// Typed OneBot v11 message segments ({"type": ..., "data": {...}}) as NapCat
// sends and accepts them. Segment types the bot does not interpret (json, xml,
// poke, ...) are kept raw in Unknown so they survive a round trip.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "bot/core/result.h"

namespace picbot::onebot {

// Members have default initializers so designated initializers such as
// Image{.file = "..."} compile cleanly under -Wextra.

struct Text {
  std::string text{};
  bool operator==(const Text&) const = default;
};

// On receive file is a name ("ABCD.jpg") and url an expiring download link.
// On send file is what NapCat should load: "base64://...", "file:///...",
// "http(s)://...", or a path on NapCat's host.
struct Image {
  std::string file{}, url{}, summary{};
  int sub_type = 0;  // 0 picture, 1 sticker
  std::optional<std::int64_t> file_size{};
  bool operator==(const Image&) const = default;
};

struct At {
  std::string qq{};    // a QQ number as a string, or "all"
  std::string name{};  // optional display name
  bool operator==(const At&) const = default;
};

// NapCat's OB11MessageReplySchema (packages/napcat-onebot/types/message.ts):
// id and seq are both optional; at least one names the quoted message.
struct Reply {
  std::string id{};                   // the quoted message_id; "" when only seq is given
  std::optional<std::int64_t> seq{};  // the quoted message's QQ sequence number (real_seq)
  bool operator==(const Reply&) const = default;
};

struct Face {
  std::string id{};
  bool operator==(const Face&) const = default;
};

struct Record {
  std::string file{}, url{}, name{};
  std::optional<std::int64_t> file_size{};
  bool operator==(const Record&) const = default;
};

struct Video {
  std::string file{}, url{}, name{};
  std::optional<std::int64_t> file_size{};
  bool operator==(const Video&) const = default;
};

struct File {
  std::string file{}, url{}, name{};
  std::optional<std::int64_t> file_size{};
  bool operator==(const File&) const = default;
};

struct Forward {
  std::string id{};  // receive only
  bool operator==(const Forward&) const = default;
};

struct Unknown {
  std::string type{};
  nlohmann::json data{};  // the segment's "data" as received
  bool operator==(const Unknown&) const = default;
};

using Segment = std::variant<Text, Image, At, Reply, Face, Record, Video, File, Forward, Unknown>;
using Message = std::vector<Segment>;

// Parses one segment object. Lenient about scalar forms: data values may be
// numbers or strings, file_size and sub_type either. A missing "data" is
// treated as empty. Fails (code "bad_segment") when segment is not an object,
// has no string "type", has a non-object "data", or lacks the field a known
// type needs (text.text, at.qq, reply.id or reply.seq, face.id, forward.id).
// Never throws.
// The rvalue overload moves strings out of segment instead of copying them.
Result<Segment> segment_from_json(const nlohmann::json& segment);
Result<Segment> segment_from_json(nlohmann::json&& segment);

// Returns the OneBot array-form object {"type":..., "data":{...}}. Data values
// are strings except image sub_type and file_size, which NapCat sends as
// numbers. Empty optional fields are omitted. The rvalue overload moves large
// strings (base64 images) into the JSON instead of copying them.
nlohmann::json segment_to_json(const Segment& segment);
nlohmann::json segment_to_json(Segment&& segment);

// Returns the OneBot type name: "text", "image", ..., or Unknown::type.
std::string segment_type(const Segment& segment);

}  // namespace picbot::onebot
