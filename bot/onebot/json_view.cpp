#include "bot/onebot/json_view.h"

// Boost.JSON is compiled here, once (header-only mode, no libboost_json).
#include <boost/json/src.hpp>

#include "bot/onebot/ids.h"

namespace picbot::onebot {
namespace bj = boost::json;

nlohmann::json to_nlohmann(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null:
      return nullptr;
    case bj::kind::bool_:
      return value.get_bool();
    case bj::kind::int64: {
      // nlohmann stores non-negative integer literals as number_unsigned.
      const std::int64_t number = value.get_int64();
      if (number >= 0) return static_cast<std::uint64_t>(number);
      return number;
    }
    case bj::kind::uint64:
      return value.get_uint64();
    case bj::kind::double_:
      return value.get_double();
    case bj::kind::string: {
      const bj::string& text = value.get_string();
      return std::string(text.data(), text.size());
    }
    case bj::kind::array: {
      nlohmann::json out = nlohmann::json::array();
      auto& items = out.get_ref<nlohmann::json::array_t&>();
      items.reserve(value.get_array().size());
      for (const bj::value& item : value.get_array()) items.push_back(to_nlohmann(item));
      return out;
    }
    case bj::kind::object: {
      nlohmann::json out = nlohmann::json::object();
      auto& members = out.get_ref<nlohmann::json::object_t&>();
      // Last duplicate wins, as with nlohmann::json::parse.
      for (const auto& member : value.get_object()) {
        members[std::string(member.key())] = to_nlohmann(member.value());
      }
      return out;
    }
  }
  return nullptr;
}

const char* type_name_of(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::null:
      return "null";
    case bj::kind::bool_:
      return "boolean";
    case bj::kind::string:
      return "string";
    case bj::kind::array:
      return "array";
    case bj::kind::object:
      return "object";
    default:
      return "number";
  }
}

std::optional<std::int64_t> json_to_int(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::int64:
      return value.get_int64();
    case bj::kind::uint64:
    case bj::kind::double_:
    case bj::kind::string:
      return json_to_int(to_nlohmann(value));  // rare forms: one set of rules
    default:
      return std::nullopt;
  }
}

std::string json_to_string(const bj::value& value) {
  switch (value.kind()) {
    case bj::kind::string: {
      const bj::string& text = value.get_string();
      return std::string(text.data(), text.size());
    }
    case bj::kind::null:
      return {};
    default:
      return json_to_string(to_nlohmann(value));
  }
}

const bj::value* find_field(const bj::value& object, const char* key) {
  const bj::object* fields = object.if_object();
  return fields ? fields->if_contains(key) : nullptr;
}

const nlohmann::json* find_field(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

nlohmann::json* find_field(nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string take_string(const bj::value& object, const char* key) {
  const bj::value* field = find_field(object, key);
  return field ? json_to_string(*field) : std::string();
}

std::int64_t field_id(const bj::value& object, const char* key) {
  const bj::value* field = find_field(object, key);
  return field ? json_to_int(*field).value_or(0) : 0;
}

}  // namespace picbot::onebot
