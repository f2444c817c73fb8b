// Config schema: the one description of every config key, owned by the code.
// The YAML loader validates against it, the example config is generated from
// it, and the web console renders its form from it. Plugins contribute the
// subtree under plugins.<name>.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace picbot::config {

enum class FieldType {
  kString,      // one line of text
  kText,        // multi-line text (prompts, personas)
  kInt,         // 64-bit integer
  kFloat,       // double; integers are accepted
  kBool,
  kEnum,        // string restricted to enum_values
  kSecret,      // string shown masked everywhere
  kList,        // list of scalars of item_type (kString, kInt, kFloat, kSecret)
  kObject,      // fixed keys: children
  kObjectList,  // list of objects, each with the keys in children
  kMap,         // free keys (string) -> values of item_type, e.g. presets
};

struct Field {
  std::string key;  // the YAML key, e.g. "model_name"
  FieldType type = FieldType::kString;
  nlohmann::json default_value;  // null: no default (optional key)
  std::string description_zh;
  std::string description_en;
  std::vector<std::string> enum_values;  // kEnum only
  FieldType item_type = FieldType::kString;  // kList and kMap only
  std::vector<Field> children;  // kObject and kObjectList items
  std::optional<double> min;    // kInt, kFloat
  std::optional<double> max;
  std::string env;              // environment variable that overrides the value
  bool restart_required = false;  // a change takes effect only after restart
  bool required = false;          // must be present and non-empty
};

// Builders keep schema declarations short and readable.
Field string_field(std::string key, std::string default_value, std::string zh, std::string en);
Field text_field(std::string key, std::string default_value, std::string zh, std::string en);
Field int_field(std::string key, long long default_value, std::string zh, std::string en,
                std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
Field float_field(std::string key, double default_value, std::string zh, std::string en,
                  std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt);
Field bool_field(std::string key, bool default_value, std::string zh, std::string en);
Field enum_field(std::string key, std::string default_value, std::vector<std::string> values, std::string zh,
                 std::string en);
Field secret_field(std::string key, std::string zh, std::string en, std::string env = {});
Field list_field(std::string key, FieldType item_type, nlohmann::json default_value, std::string zh,
                 std::string en);
Field object_field(std::string key, std::vector<Field> children, std::string zh, std::string en);
Field object_list_field(std::string key, std::vector<Field> item_fields, std::string zh, std::string en);
Field map_field(std::string key, FieldType item_type, nlohmann::json default_value, std::string zh,
                std::string en);

// Fluent modifiers: with_env(field, "PICBOT_X"), needs_restart(field).
Field with_env(Field field, std::string env);
Field needs_restart(Field field);

}  // namespace picbot::config
