#include "bot/onebot/simd_view.h"

#include "bot/onebot/ids.h"

namespace picbot::onebot {
namespace dom = simdjson::dom;

SimdObjectIndex::SimdObjectIndex(dom::object object) {
  for (const dom::key_value_pair member : object) {
    if (size_ == kMaxMembers) {
      ok_ = false;
      return;
    }
    keys_[size_] = member.key;
    values_[size_] = member.value;
    ++size_;
  }
}

std::optional<dom::element> SimdObjectIndex::find(std::string_view key) const {
  for (std::size_t i = size_; i-- > 0;) {  // from the end: the last duplicate wins
    if (keys_[i] == key) return values_[i];
  }
  return std::nullopt;
}

nlohmann::json to_nlohmann(const SimdValue& value) {
  if (value.is_null()) return nullptr;
  const dom::element& element = value.element();
  switch (element.type()) {
    case dom::element_type::BOOL:
      return element.get_bool().value_unsafe();
    case dom::element_type::INT64: {
      // nlohmann stores non-negative integer literals as number_unsigned.
      const std::int64_t number = element.get_int64().value_unsafe();
      if (number >= 0) return static_cast<std::uint64_t>(number);
      return number;
    }
    case dom::element_type::UINT64:
      return element.get_uint64().value_unsafe();
    case dom::element_type::DOUBLE:
      return element.get_double().value_unsafe();
    case dom::element_type::STRING:
      return std::string(element.get_string().value_unsafe());
    case dom::element_type::ARRAY: {
      nlohmann::json out = nlohmann::json::array();
      auto& items = out.get_ref<nlohmann::json::array_t&>();
      const dom::array array = element.get_array().value_unsafe();
      items.reserve(array.size());
      for (const dom::element item : array) items.push_back(to_nlohmann(item));
      return out;
    }
    case dom::element_type::OBJECT: {
      nlohmann::json out = nlohmann::json::object();
      auto& members = out.get_ref<nlohmann::json::object_t&>();
      // Last duplicate wins, as with nlohmann::json::parse.
      const dom::object object = element.get_object().value_unsafe();
      for (const dom::key_value_pair member : object) {
        members[std::string(member.key)] = to_nlohmann(member.value);
      }
      return out;
    }
    case dom::element_type::NULL_VALUE:
      break;
  }
  return nullptr;
}

const char* type_name_of(const SimdValue& value) {
  if (value.is_null()) return "null";
  switch (value.element().type()) {
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    default:
      return "number";
  }
}

std::optional<std::int64_t> json_to_int(const SimdValue& value) {
  if (value.is_null()) return std::nullopt;
  switch (value.element().type()) {
    case dom::element_type::INT64:
      return value.element().get_int64().value_unsafe();
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
    case dom::element_type::STRING:
      return json_to_int(to_nlohmann(value));  // rare forms: one set of rules
    default:
      return std::nullopt;
  }
}

std::string json_to_string(const SimdValue& value) {
  if (value.is_null()) return {};
  if (value.is_string()) return std::string(value.element().get_string().value_unsafe());
  return json_to_string(to_nlohmann(value));
}

std::optional<SimdValue> find_field(const SimdValue& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  if (const SimdObjectIndex* index = object.index()) {
    if (const auto member = index->find(key)) return SimdValue(*member);
    return std::nullopt;
  }
  std::optional<SimdValue> found;
  const dom::object members = object.element().get_object().value_unsafe();
  for (const dom::key_value_pair member : members) {
    if (member.key == key) found.emplace(member.value);
  }
  return found;
}

std::string take_string(const SimdValue& object, std::string_view key) {
  const auto field = find_field(object, key);
  return field ? json_to_string(*field) : std::string();
}

std::int64_t field_id(const SimdValue& object, std::string_view key) {
  const auto field = find_field(object, key);
  return field ? json_to_int(*field).value_or(0) : 0;
}

}  // namespace picbot::onebot
