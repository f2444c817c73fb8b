#include "bot/onebot/segment.h"

#include <string_view>
#include <type_traits>

#include "bot/onebot/ids.h"
#include "bot/onebot/json_view.h"
#include "bot/onebot/simd_view.h"

namespace picbot::onebot {
namespace {

template <class T>
constexpr std::string_view kTypeName = "";
template <>
constexpr std::string_view kTypeName<Text> = "text";
template <>
constexpr std::string_view kTypeName<Image> = "image";
template <>
constexpr std::string_view kTypeName<At> = "at";
template <>
constexpr std::string_view kTypeName<Reply> = "reply";
template <>
constexpr std::string_view kTypeName<Face> = "face";
template <>
constexpr std::string_view kTypeName<Record> = "record";
template <>
constexpr std::string_view kTypeName<Video> = "video";
template <>
constexpr std::string_view kTypeName<File> = "file";
template <>
constexpr std::string_view kTypeName<Forward> = "forward";

template <class T>
constexpr bool kIsMedia = std::is_same_v<T, Record> || std::is_same_v<T, Video> || std::is_same_v<T, File>;

Error bad_segment(std::string message) { return Error::make("bad_segment", std::move(message)); }

template <class Json>
std::optional<std::int64_t> optional_int(const Json& data, const char* key) {
  const auto field = find_field(data, key);
  return field ? json_to_int(*field) : std::nullopt;
}

// Reads a field every segment of this type must carry; "" means it is missing.
template <class Json>
Result<std::string> required_string(Json& data, std::string_view type, const char* key) {
  std::string value = take_string(data, key);
  if (value.empty()) return bad_segment(std::string(type) + " segment without " + key);
  return value;
}

template <class Media, class Json>
Media media_from_data(Json& data) {
  Media media;
  media.file = take_string(data, "file");
  media.url = take_string(data, "url");
  media.name = take_string(data, "name");
  media.file_size = optional_int(data, "file_size");
  return media;
}

// Wraps a required id-like field into a segment such as Face{id}.
template <class T, class Json>
Result<Segment> id_segment(Json& data, std::string_view type) {
  auto id = required_string(data, type, "id");
  if (!id) return id.error();
  return Segment(T{std::move(*id)});
}

template <class Json>
Result<Segment> segment_from_data(std::string type, Json& data) {
  if (type == kTypeName<Text>) {
    // Empty text is valid, so presence is checked instead of emptiness.
    if (!find_field(data, "text")) return bad_segment("text segment without text");
    return Segment(Text{take_string(data, "text")});
  }
  if (type == kTypeName<Image>) {
    Image image;
    image.file = take_string(data, "file");
    image.url = take_string(data, "url");
    image.summary = take_string(data, "summary");
    image.sub_type = static_cast<int>(optional_int(data, "sub_type").value_or(0));
    image.file_size = optional_int(data, "file_size");
    return Segment(std::move(image));
  }
  if (type == kTypeName<At>) {
    auto qq = required_string(data, type, "qq");
    if (!qq) return qq.error();
    return Segment(At{std::move(*qq), take_string(data, "name")});
  }
  if (type == kTypeName<Reply>) {
    Reply reply{take_string(data, "id"), optional_int(data, "seq")};
    if (reply.id.empty() && !reply.seq) return bad_segment("reply segment without id or seq");
    return Segment(std::move(reply));
  }
  if (type == kTypeName<Face>) return id_segment<Face>(data, type);
  if (type == kTypeName<Forward>) return id_segment<Forward>(data, type);
  if (type == kTypeName<Record>) return Segment(media_from_data<Record>(data));
  if (type == kTypeName<Video>) return Segment(media_from_data<Video>(data));
  if (type == kTypeName<File>) return Segment(media_from_data<File>(data));
  nlohmann::json raw = data.is_null() ? nlohmann::json::object() : to_owned_json(data);
  return Segment(Unknown{std::move(type), std::move(raw)});
}

// One reader for the three JSON libraries: Json is nlohmann::json (strings are
// moved out of it), const boost::json::value (a frame's arena; copied) or
// const SimdValue (a frame's simdjson document; copied).
template <class Json>
Result<Segment> segment_from(Json& segment) {
  if (!segment.is_object())
    return bad_segment(std::string("segment is not an object but ") + type_name_of(segment));
  const auto type_field = find_field(segment, "type");
  if (!type_field || !type_field->is_string()) return bad_segment("segment without a string type");
  std::string type = take_string(segment, "type");

  if (auto data_field = find_field(segment, "data"); data_field && !data_field->is_null()) {
    if (!data_field->is_object()) {
      return bad_segment(type + " segment data is not an object but " + type_name_of(*data_field));
    }
    return segment_from_data(std::move(type), *data_field);
  }
  std::remove_const_t<Json> no_data;  // null: no allocation when the segment has no data
  return segment_from_data(std::move(type), no_data);
}

nlohmann::json make_segment(std::string_view type, nlohmann::json data) {
  nlohmann::json out = nlohmann::json::object();
  out["type"] = type;
  out["data"] = std::move(data);
  return out;
}

void put_if_not_empty(nlohmann::json& data, const char* key, std::string&& value) {
  if (!value.empty()) data[key] = std::move(value);
}

void put_if_set(nlohmann::json& data, const char* key, const std::optional<std::int64_t>& value) {
  if (value) data[key] = *value;
}

}  // namespace

Result<Segment> segment_from_json(const nlohmann::json& segment) {
  return segment_from_json(nlohmann::json(segment));
}

Result<Segment> segment_from_json(nlohmann::json&& segment) { return segment_from(segment); }

Result<Segment> segment_from_json(const boost::json::value& segment) { return segment_from(segment); }

Result<Segment> segment_from_json(const SimdValue& segment) { return segment_from(segment); }

nlohmann::json segment_to_json(const Segment& segment) { return segment_to_json(Segment(segment)); }

nlohmann::json segment_to_json(Segment&& segment) {
  return std::visit(
      [](auto&& value) -> nlohmann::json {
        using T = std::decay_t<decltype(value)>;
        nlohmann::json data = nlohmann::json::object();
        if constexpr (std::is_same_v<T, Text>) {
          data["text"] = std::move(value.text);
        } else if constexpr (std::is_same_v<T, Image>) {
          data["file"] = std::move(value.file);
          put_if_not_empty(data, "url", std::move(value.url));
          put_if_not_empty(data, "summary", std::move(value.summary));
          if (value.sub_type != 0) data["sub_type"] = value.sub_type;
          put_if_set(data, "file_size", value.file_size);
        } else if constexpr (std::is_same_v<T, At>) {
          data["qq"] = std::move(value.qq);
          put_if_not_empty(data, "name", std::move(value.name));
        } else if constexpr (std::is_same_v<T, Reply>) {
          put_if_not_empty(data, "id", std::move(value.id));
          put_if_set(data, "seq", value.seq);
        } else if constexpr (std::is_same_v<T, Face> || std::is_same_v<T, Forward>) {
          data["id"] = std::move(value.id);
        } else if constexpr (kIsMedia<T>) {
          data["file"] = std::move(value.file);
          put_if_not_empty(data, "url", std::move(value.url));
          put_if_not_empty(data, "name", std::move(value.name));
          put_if_set(data, "file_size", value.file_size);
        } else {
          static_assert(std::is_same_v<T, Unknown>);
          if (!value.data.is_null()) data = std::move(value.data);
          return make_segment(value.type, std::move(data));
        }
        return make_segment(kTypeName<T>, std::move(data));
      },
      std::move(segment));
}

std::string segment_type(const Segment& segment) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Unknown>) {
          return value.type;
        } else {
          return std::string(kTypeName<T>);
        }
      },
      segment);
}

}  // namespace picbot::onebot
