#include "bot/config/schema.h"

#include <algorithm>
#include <utility>

#include "bot/core/secret.h"

namespace picbot::config {
namespace {

Field make_field(std::string key, FieldType type, nlohmann::json default_value, std::string zh,
                 std::string en) {
  Field field;
  field.key = std::move(key);
  field.type = type;
  field.default_value = std::move(default_value);
  field.description_zh = std::move(zh);
  field.description_en = std::move(en);
  return field;
}

bool holds_secrets(const Field& field) {
  if (field.type == FieldType::kSecret) return true;
  return (field.type == FieldType::kList || field.type == FieldType::kMap) &&
         field.item_type == FieldType::kSecret;
}

bool is_object_map(const Field& field) {
  return field.type == FieldType::kMap && field.item_type == FieldType::kObject;
}

// Calls on_secret(string&) for every secret string in value, which follows field.
template <class OnSecret>
void visit_secrets(const Field& field, nlohmann::json& value, const OnSecret& on_secret) {
  auto visit_object = [&](const std::vector<Field>& children, nlohmann::json& object) {
    if (!object.is_object()) return;
    for (const Field& child : children) {
      auto it = object.find(child.key);
      if (it != object.end()) visit_secrets(child, *it, on_secret);
    }
  };
  switch (field.type) {
    case FieldType::kSecret:
      if (value.is_string()) on_secret(value.get_ref<std::string&>());
      return;
    case FieldType::kList:
    case FieldType::kMap:
      if (is_object_map(field)) {
        if (value.is_object()) {
          for (auto& [name, item] : value.items()) visit_object(field.children, item);
        }
      } else if (field.item_type == FieldType::kSecret && value.is_structured()) {
        for (auto& item : value) {
          if (item.is_string()) on_secret(item.get_ref<std::string&>());
        }
      }
      return;
    case FieldType::kObject:
      visit_object(field.children, value);
      return;
    case FieldType::kObjectList:
      if (value.is_array()) {
        for (auto& item : value) visit_object(field.children, item);
      }
      return;
    default:
      return;
  }
}

void collect_secret_paths(const Field& field, const std::string& path, std::vector<std::string>& out) {
  if (holds_secrets(field)) out.push_back(path);
  std::string prefix = path;
  if (field.type == FieldType::kObjectList) prefix += "[*]";
  if (is_object_map(field)) prefix += ".*";
  for (const Field& child : field.children) {
    collect_secret_paths(child, prefix.empty() ? child.key : prefix + "." + child.key, out);
  }
}

Field* find_child(std::vector<Field>& fields, std::string_view path) {
  const std::size_t dot = path.find('.');
  const std::string_view key = path.substr(0, dot);
  for (Field& field : fields) {
    if (field.key != key) continue;
    return dot == std::string_view::npos ? &field : find_child(field.children, path.substr(dot + 1));
  }
  return nullptr;
}

nlohmann::json field_to_json(const Field& field) {
  nlohmann::json out;
  out["key"] = field.key;
  out["type"] = type_name(field.type);
  out["default"] = holds_secrets(field) ? nlohmann::json() : field.default_value;
  out["description"] = {{"zh", field.description_zh}, {"en", field.description_en}};
  if (!field.label_zh.empty() || !field.label_en.empty())
    out["label"] = {{"zh", field.label_zh}, {"en", field.label_en}};
  if (field.type == FieldType::kEnum) out["enum"] = field.enum_values;
  if (!field.choices.empty()) out["choices"] = field.choices;
  if (!field.choices_from.empty()) out["choices_from"] = field.choices_from;
  if (field.type == FieldType::kList || field.type == FieldType::kMap)
    out["item_type"] = type_name(field.item_type);
  if (!field.children.empty()) {
    out["children"] = nlohmann::json::array();
    for (const Field& child : field.children) out["children"].push_back(field_to_json(child));
  }
  if (field.min) out["min"] = *field.min;
  if (field.max) out["max"] = *field.max;
  if (!field.env.empty()) out["env"] = field.env;
  out["restart_required"] = field.restart_required;
  out["required"] = field.required;
  out["secret"] = holds_secrets(field);
  if (field.only_when_present) out["only_when_present"] = true;
  return out;
}

nlohmann::json field_defaults(const Field& field, bool include_optional_sections) {
  if (field.type != FieldType::kObject) return field.default_value;
  nlohmann::json object = nlohmann::json::object();
  for (const Field& child : field.children) {
    if (child.only_when_present && !include_optional_sections) continue;
    object[child.key] = field_defaults(child, include_optional_sections);
  }
  return object;
}

const Field* find_child(const std::vector<Field>& children, std::string_view key) {
  auto it = std::find_if(children.begin(), children.end(), [&](const Field& f) { return f.key == key; });
  return it == children.end() ? nullptr : &*it;
}

}  // namespace

Field string_field(std::string key, std::string default_value, std::string zh, std::string en) {
  return make_field(std::move(key), FieldType::kString, std::move(default_value), std::move(zh),
                    std::move(en));
}

Field text_field(std::string key, std::string default_value, std::string zh, std::string en) {
  return make_field(std::move(key), FieldType::kText, std::move(default_value), std::move(zh), std::move(en));
}

Field int_field(std::string key, long long default_value, std::string zh, std::string en,
                std::optional<double> min, std::optional<double> max) {
  Field field = make_field(std::move(key), FieldType::kInt, default_value, std::move(zh), std::move(en));
  field.min = min;
  field.max = max;
  return field;
}

Field float_field(std::string key, double default_value, std::string zh, std::string en,
                  std::optional<double> min, std::optional<double> max) {
  Field field = make_field(std::move(key), FieldType::kFloat, default_value, std::move(zh), std::move(en));
  field.min = min;
  field.max = max;
  return field;
}

Field bool_field(std::string key, bool default_value, std::string zh, std::string en) {
  return make_field(std::move(key), FieldType::kBool, default_value, std::move(zh), std::move(en));
}

Field enum_field(std::string key, std::string default_value, std::vector<std::string> values, std::string zh,
                 std::string en) {
  Field field =
      make_field(std::move(key), FieldType::kEnum, std::move(default_value), std::move(zh), std::move(en));
  field.enum_values = std::move(values);
  return field;
}

Field secret_field(std::string key, std::string zh, std::string en, std::string env) {
  // An unset secret is the empty string, so every key exists after loading.
  Field field = make_field(std::move(key), FieldType::kSecret, "", std::move(zh), std::move(en));
  field.env = std::move(env);
  return field;
}

Field list_field(std::string key, FieldType item_type, nlohmann::json default_value, std::string zh,
                 std::string en) {
  Field field =
      make_field(std::move(key), FieldType::kList, std::move(default_value), std::move(zh), std::move(en));
  field.item_type = item_type;
  return field;
}

Field object_field(std::string key, std::vector<Field> children, std::string zh, std::string en) {
  Field field = make_field(std::move(key), FieldType::kObject, nullptr, std::move(zh), std::move(en));
  field.children = std::move(children);
  return field;
}

Field object_list_field(std::string key, std::vector<Field> item_fields, std::string zh, std::string en) {
  Field field = make_field(std::move(key), FieldType::kObjectList, nlohmann::json::array(), std::move(zh),
                           std::move(en));
  field.children = std::move(item_fields);
  return field;
}

Field map_field(std::string key, FieldType item_type, nlohmann::json default_value, std::string zh,
                std::string en) {
  Field field =
      make_field(std::move(key), FieldType::kMap, std::move(default_value), std::move(zh), std::move(en));
  field.item_type = item_type;
  return field;
}

Field with_env(Field field, std::string env) {
  field.env = std::move(env);
  return field;
}

Field needs_restart(Field field) {
  field.restart_required = true;
  return field;
}

Field mark_required(Field field) {
  field.required = true;
  return field;
}

Field refuse_unknown_keys(Field field) {
  field.refuses_unknown_keys = true;
  return field;
}

std::string_view type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kText:
      return "text";
    case FieldType::kInt:
      return "int";
    case FieldType::kFloat:
      return "float";
    case FieldType::kBool:
      return "bool";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kSecret:
      return "secret";
    case FieldType::kList:
      return "list";
    case FieldType::kObject:
      return "object";
    case FieldType::kObjectList:
      return "object_list";
    case FieldType::kMap:
      return "map";
  }
  return "unknown";
}

Schema::Schema(std::vector<Field> top_level_fields) {
  root_ = object_field("", std::move(top_level_fields), "配置文件", "Config file");
}

void Schema::add_plugin(std::string name, std::vector<Field> fields, std::string zh, std::string en) {
  Field* plugins = nullptr;
  for (Field& child : root_.children) {
    if (child.key == "plugins") plugins = &child;
  }
  if (plugins == nullptr) {
    root_.children.push_back(object_field("plugins", {}, "插件配置：列出的插件才会运行。",
                                          "Plugin settings: only listed plugins run."));
    plugins = &root_.children.back();
  }
  std::vector<Field> children;
  children.push_back(bool_field("enabled", true, "是否启用此插件。", "Whether this plugin is enabled."));
  for (Field& field : fields) {
    if (field.key != "enabled") children.push_back(std::move(field));
  }
  if (zh.empty()) zh = "插件 " + name + " 的配置。";
  if (en.empty()) en = "Settings of plugin " + name + ".";
  Field section = object_field(name, std::move(children), std::move(zh), std::move(en));
  section.only_when_present = true;
  auto& sections = plugins->children;
  auto existing =
      std::find_if(sections.begin(), sections.end(), [&](const Field& f) { return f.key == name; });
  if (existing != sections.end()) {
    *existing = std::move(section);
  } else {
    sections.push_back(std::move(section));
  }
}

bool Schema::offer_choices(std::string_view path, std::vector<std::string> values) {
  Field* field = find_child(root_.children, path);
  if (field == nullptr) return false;
  field->choices = std::move(values);
  return true;
}

const Field* Schema::find(std::string_view dotted_path) const {
  const Field* field = &root_;
  bool in_map_entry = false;  // the previous segment was a free key under a kMap
  while (!dotted_path.empty()) {
    std::size_t dot = dotted_path.find('.');
    std::string_view segment = dotted_path.substr(0, dot);
    dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
    if (std::size_t bracket = segment.find('['); bracket != std::string_view::npos) {
      segment = segment.substr(0, bracket);
    }
    if (field->type == FieldType::kMap && !in_map_entry) {
      in_map_entry = true;  // a free key: stays on the map field
      continue;
    }
    in_map_entry = false;
    field = find_child(field->children, segment);
    if (field == nullptr) return nullptr;
  }
  return field;
}

std::size_t set_labels(std::vector<Field>& fields, const std::vector<FieldLabel>& labels) {
  std::size_t missing = 0;
  for (const FieldLabel& label : labels) {
    Field* field = find_child(fields, label.path);
    if (field == nullptr) {
      ++missing;
      continue;
    }
    field->label_zh = label.zh;
    field->label_en = label.en;
  }
  return missing;
}

nlohmann::json Schema::to_json() const { return field_to_json(root_); }

std::vector<std::string> Schema::secret_paths() const {
  std::vector<std::string> out;
  for (const Field& child : root_.children) collect_secret_paths(child, child.key, out);
  return out;
}

std::vector<std::string> Schema::secret_values(const nlohmann::json& values) const {
  std::vector<std::string> out;
  nlohmann::json copy = values;
  visit_secrets(root_, copy, [&](std::string& secret) {
    if (!secret.empty()) out.push_back(secret);
  });
  return out;
}

nlohmann::json Schema::masked(const nlohmann::json& values) const {
  nlohmann::json copy = values;
  visit_secrets(root_, copy, [](std::string& secret) {
    if (!secret.empty()) secret = mask_secret(secret);
  });
  return copy;
}

nlohmann::json Schema::defaults(bool include_optional_sections) const {
  return field_defaults(root_, include_optional_sections);
}

}  // namespace picbot::config
