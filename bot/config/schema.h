// Config schema: the one description of every config key, owned by the code.
// The YAML loader validates against it, the example config is generated from
// it, and the web console renders its form from it. Plugins contribute the
// subtree under plugins.<name>.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picbot::config {

enum class FieldType {
  kString,  // one line of text
  kText,    // multi-line text (prompts, personas)
  kInt,     // 64-bit integer
  kFloat,   // double; integers are accepted
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
  // A short name for forms ("日志级别" / "Log level"); empty: the key is shown.
  std::string label_zh;
  std::string label_en;
  std::vector<std::string> enum_values;  // kEnum only
  // kString, and kList of strings: values the console offers as a choice
  // (not enforced here; whoever reads the value checks it). For a list, also
  // the keys of the map at choices_from (a dotted path), as the form has them.
  std::vector<std::string> choices;
  std::string choices_from;
  FieldType item_type = FieldType::kString;  // kList and kMap only
  std::vector<Field> children;               // kObject and kObjectList items
  std::optional<double> min;                 // kInt, kFloat
  std::optional<double> max;
  std::string env;                // environment variable that overrides the value
  bool restart_required = false;  // a change takes effect only after restart
  bool required = false;          // must be present and non-empty
  // kObject only: when the key is missing from the file it stays missing
  // instead of being filled with defaults (plugin sections: present = enabled).
  bool only_when_present = false;
  // kObject only: an unknown key inside is an error, not a warning. For
  // sections where a misspelt key would silently drop a security setting.
  bool refuses_unknown_keys = false;
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

// Fluent modifiers: with_env(field, "PICBOT_X"), needs_restart(field), ...
Field with_env(Field field, std::string env);
Field needs_restart(Field field);
Field mark_required(Field field);
Field refuse_unknown_keys(Field field);

// Short form names for fields, by dotted path below the fields given (object
// list items and object children alike: "rate_limit.group_limits.limit").
struct FieldLabel {
  std::string_view path;
  std::string_view zh;
  std::string_view en;
};
// Sets label_zh/label_en of each listed field among fields. Paths that name
// no field are ignored (returns how many were, for tests).
std::size_t set_labels(std::vector<Field>& fields, const std::vector<FieldLabel>& labels);

// Returns the schema's name of a type: "string", "int", "object_list", ...
std::string_view type_name(FieldType type);

// Schema: the root object of the whole config file. Built once at start-up
// (host sections, then one add_plugin per plugin), immutable afterwards; const
// methods are safe to call from any thread.
class Schema {
 public:
  // An empty schema whose root object has the given top-level fields.
  explicit Schema(std::vector<Field> top_level_fields = {});

  // The host's own sections (data_dir, log_level, onebot, bot, llm, web) and
  // an empty `plugins` object. Defined in host_schema.cpp.
  static Schema with_host_sections();

  // Adds plugins.<name>: an object whose first child is `enabled` (bool,
  // default true) followed by fields. The section exists in loaded values
  // only when the file has it (a present section, even empty, means "run").
  // Creates the `plugins` object if missing; a second call for the same name
  // replaces the first.
  void add_plugin(std::string name, std::vector<Field> fields, std::string zh = {}, std::string en = {});

  const Field& root() const { return root_; }

  // Sets the choices of the field at path (children by key, as FieldLabel
  // paths: "image_providers.type"), known only once the binary is linked.
  // False when no field has that path.
  bool offer_choices(std::string_view path, std::vector<std::string> values);

  // Field at a dotted path ("llm.context.max_turns"). List indices are
  // ignored ("llm.session_scope_overrides[0].scope" finds the item field); a
  // key below a kMap resolves to the map field itself, or, for maps whose
  // item_type is kObject, continues into its children. nullptr if unknown.
  const Field* find(std::string_view dotted_path) const;

  // The whole schema for a web form: {key, type, default, description:{zh,en},
  // enum, item_type, children, min, max, env, restart_required, required,
  // secret}. Secret defaults are never included.
  nlohmann::json to_json() const;

  // Dotted paths of every secret (kSecret, or list/map of kSecret). Object
  // list items appear as "a.b[*].c", map values as "a.b.*".
  std::vector<std::string> secret_paths() const;

  // Every non-empty secret value in a validated values tree, for
  // SecretRegistry::set.
  std::vector<std::string> secret_values(const nlohmann::json& values) const;

  // A copy of values with every secret replaced by mask_secret(secret)
  // (empty secrets stay empty), for showing a config to a person.
  nlohmann::json masked(const nlohmann::json& values) const;

  // Every key at its default. Sections marked only_when_present (plugins)
  // are included only when include_optional_sections.
  nlohmann::json defaults(bool include_optional_sections) const;

 private:
  Field root_;
};

}  // namespace picbot::config
