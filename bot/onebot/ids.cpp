#include "bot/onebot/ids.h"

#include <charconv>
#include <cmath>

namespace picbot::onebot {

std::optional<std::int64_t> json_to_int(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::number_integer:
      return value.get_ref<const nlohmann::json::number_integer_t&>();
    case nlohmann::json::value_t::number_unsigned: {
      const auto number = value.get_ref<const nlohmann::json::number_unsigned_t&>();
      if (number > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
      return static_cast<std::int64_t>(number);
    }
    case nlohmann::json::value_t::number_float: {
      const double number = std::trunc(value.get_ref<const nlohmann::json::number_float_t&>());
      // 2^63 as a double; the range check also rejects NaN.
      if (!(number >= -9223372036854775808.0 && number < 9223372036854775808.0)) return std::nullopt;
      return static_cast<std::int64_t>(number);
    }
    case nlohmann::json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      std::int64_t number = 0;
      const char* end = text.data() + text.size();
      const auto [ptr, ec] = std::from_chars(text.data(), end, number);
      if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
      return number;
    }
    default:
      return std::nullopt;
  }
}

std::int64_t json_to_id(const nlohmann::json& value) { return json_to_int(value).value_or(0); }

std::string json_to_string(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return value.get_ref<const std::string&>();
    case nlohmann::json::value_t::null:
      return {};
    case nlohmann::json::value_t::number_float: {
      // Whole numbers print without a fraction: 123.0 -> "123".
      if (const auto number = json_to_int(value);
          number && static_cast<double>(*number) == value.get<double>()) {
        return std::to_string(*number);
      }
      return value.dump();
    }
    default:
      return value.dump();
  }
}

std::string take_string(nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return std::move(it->get_ref<std::string&>());
  return json_to_string(*it);
}

std::string field_string(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it == object.end() ? std::string() : json_to_string(*it);
}

std::int64_t field_id(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  const auto it = object.find(key);
  return it == object.end() ? 0 : json_to_id(*it);
}

}  // namespace picbot::onebot
