// The lenient field readers of ids.h for a frame parsed by simdjson's DOM
// parser (parse_frame's fast path for message events and API responses).
// Each function behaves exactly like its nlohmann::json namesake in ids.h and
// its Boost.JSON one in json_view.h, so the parsers in event.cpp, segment.cpp
// and message.cpp are one template over the three.
//
// Lifetime: a SimdValue points into the simdjson parser's document; it is
// valid until that parser parses again. Strings are copied out.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/onebot/segment.h"

namespace picbot::onebot {

// The members of one object, for an object whose fields are looked up many
// times (a frame's root: a dozen fields of ~20): one walk over the document
// instead of one per lookup. Holds up to kMaxMembers; a larger object is not
// indexed (ok() is false) and is searched member by member.
class SimdObjectIndex {
 public:
  static constexpr std::size_t kMaxMembers = 48;
  explicit SimdObjectIndex(simdjson::dom::object object);
  bool ok() const { return ok_; }
  // The last member named key (as find_field), or nullopt.
  std::optional<simdjson::dom::element> find(std::string_view key) const;

 private:
  std::array<std::string_view, kMaxMembers> keys_{};
  std::array<simdjson::dom::element, kMaxMembers> values_{};
  std::size_t size_ = 0;
  bool ok_ = true;
};

class SimdValue {
 public:
  // An absent value: reads as null (a segment without "data").
  SimdValue() = default;
  SimdValue(simdjson::dom::element element) : element_(element), present_(true) {}  // NOLINT: implicit
  // An object whose fields find_field looks up in index. REQUIRES: index
  // outlives this value and was built from element's object.
  SimdValue(simdjson::dom::element element, const SimdObjectIndex& index)
      : element_(element), index_(index.ok() ? &index : nullptr), present_(true) {}

  bool is_null() const { return !present_ || element_.is_null(); }
  bool is_object() const { return present_ && element_.is_object(); }
  bool is_string() const { return present_ && element_.is_string(); }
  bool is_array() const { return present_ && element_.is_array(); }
  // REQUIRES: present (not default-constructed).
  const simdjson::dom::element& element() const { return element_; }
  const SimdObjectIndex* index() const { return index_; }

 private:
  simdjson::dom::element element_{};
  const SimdObjectIndex* index_ = nullptr;
  bool present_ = false;
};

// The nlohmann::json equal to what nlohmann::json::parse builds from the same
// text. Recursive: the parser's depth limit (kMaxJsonDepth) bounds it.
nlohmann::json to_nlohmann(const SimdValue& value);
const char* type_name_of(const SimdValue& value);

std::optional<std::int64_t> json_to_int(const SimdValue& value);
std::string json_to_string(const SimdValue& value);
// The member named key; the last one when the key repeats (as Boost.JSON and
// nlohmann keep it); nullopt when object is not an object or lacks key.
std::optional<SimdValue> find_field(const SimdValue& object, std::string_view key);
std::string take_string(const SimdValue& object, std::string_view key);
std::int64_t field_id(const SimdValue& object, std::string_view key);
inline nlohmann::json to_owned_json(const SimdValue& value) { return to_nlohmann(value); }

// segment_from_json / parse_message for a simdjson value.
Result<Segment> segment_from_json(const SimdValue& segment);
Result<Message> parse_message(const SimdValue& message);

}  // namespace picbot::onebot
