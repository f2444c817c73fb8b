#include "bot/config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include "bot/config/config_messages.h"
#include "bot/config/did_you_mean.h"
#include "bot/core/json_limits.h"
#include "bot/core/message_table.h"
#include "bot/core/secret.h"
#include "bot/core/text.h"

extern char** environ;  // NOLINT: POSIX

namespace picbot::config {
namespace {

using nlohmann::json;
using Issues = std::vector<ConfigIssue>;

constexpr std::size_t kMaxShownChars = 60;

std::string join_key(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string join_index(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::optional<long long> parse_int(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Shows a number without a trailing ".0" when it is whole.
std::string format_number(double value) {
  if (std::trunc(value) == value && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  return json(value).dump();
}

// The text a scalar stands for, as a string field would store it.
std::optional<std::string> scalar_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

// ---------------------------------------------------------------- YAML -> JSON

// A plain (unquoted) scalar becomes a bool or number only when its text is
// exactly the canonical form, so converting it back for a string field loses
// nothing ("0123", "1.10", "1e5" stay strings; number fields parse them).
json plain_scalar(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null" || text == "~" || text == "Null" || text == "NULL" || text.empty()) return nullptr;
  if (auto number = parse_int(text); number && std::to_string(*number) == text) return *number;
  if (auto number = parse_double(text); number && json(*number).dump() == text) return *number;
  return text;
}

std::string mark_text(const YAML::Mark& mark, std::string_view language) {
  return tr(language, "config.mark", fmt::arg("line", mark.line + 1), fmt::arg("column", mark.column + 1));
}

// Bounds on the tree a YAML text may stand for. Anchors and aliases let a few
// bytes describe a cycle (an alias inside its own anchor) or an exponentially
// large tree ("billion laughs"); real configs are a few levels deep and a few
// hundred values.
constexpr int kMaxYamlDepth = static_cast<int>(kMaxJsonDepth);  // as for JSON from outside
constexpr std::size_t kMaxYamlValues = 100'000;

// YAML node graph -> JSON tree, within the bounds above.
class YamlConverter {
 public:
  YamlConverter(Issues& errors, KeyLines* lines, std::string_view language)
      : errors_(errors), lines_(lines), language_(language) {}

  json convert(const YAML::Node& node, const std::string& path, int depth = 0) {
    if (depth > kMaxYamlDepth || values_left_ == 0) {
      if (!over_limit_) {
        over_limit_ = true;
        errors_.push_back({path, tr(language_, "config.too_deep", fmt::arg("depth", kMaxYamlDepth),
                                    fmt::arg("values", kMaxYamlValues))});
      }
      return nullptr;
    }
    --values_left_;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        // "?" marks a plain scalar; quoted and explicitly tagged ones stay text.
        return node.Tag() == "?" ? plain_scalar(node.Scalar()) : json(node.Scalar());
      case YAML::NodeType::Sequence: {
        json out = json::array();
        std::size_t index = 0;
        for (const YAML::Node& item : node) {
          if (over_limit_) break;
          const std::string item_path = join_index(path, index++);
          note_line(item_path, item.Mark());
          out.push_back(convert(item, item_path, depth + 1));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& entry : node) {
          if (over_limit_) break;
          if (!entry.first.IsScalar()) {
            errors_.push_back({path, tr(language_, "config.key_not_text",
                                        fmt::arg("where", mark_text(entry.first.Mark(), language_)))});
            continue;
          }
          const std::string& key = entry.first.Scalar();
          std::string child_path = join_key(path, key);
          note_line(child_path, entry.first.Mark());
          if (out.contains(key)) {
            errors_.push_back({child_path, tr(language_, "config.duplicate_key",
                                              fmt::arg("where", mark_text(entry.first.Mark(), language_)))});
            continue;
          }
          out[key] = convert(entry.second, child_path, depth + 1);
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  void note_line(const std::string& path, const YAML::Mark& mark) {
    if (lines_ != nullptr && mark.line >= 0) lines_->emplace(path, mark.line + 1);
  }

  Issues& errors_;
  KeyLines* lines_;
  std::string_view language_;
  std::size_t values_left_ = kMaxYamlValues;
  bool over_limit_ = false;
};

// The first line whose indentation holds a TAB, 0 if none. yaml-cpp reports
// such a file with messages that do not mention the TAB.
int first_tab_indented_line(std::string_view text) {
  int line = 1;
  bool in_indentation = true;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      in_indentation = true;
    } else if (in_indentation && c == '\t') {
      return line;
    } else if (c != ' ') {
      in_indentation = false;
    }
  }
  return 0;
}

// yaml-cpp's terse parser message in words an operator can act on.
std::string explain_syntax_error(std::string_view text, const YAML::ParserException& e,
                                 std::string_view language) {
  if (int line = first_tab_indented_line(text); line != 0) {
    return tr(language, "config.yaml_tab", fmt::arg("line", line));
  }
  const std::string& msg = e.msg;
  const char* key = nullptr;
  if (msg == YAML::ErrorMsg::MAP_VALUE || msg == YAML::ErrorMsg::MAP_KEY) {
    key = "config.yaml_map_value";
  } else if (msg == YAML::ErrorMsg::END_OF_MAP || msg == YAML::ErrorMsg::END_OF_SEQ) {
    key = "config.yaml_block_end";
  } else if (msg == YAML::ErrorMsg::BLOCK_ENTRY) {
    key = "config.yaml_block_entry";
  } else if (msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
    key = "config.yaml_flow_seq";
  } else if (msg == YAML::ErrorMsg::END_OF_MAP_FLOW) {
    key = "config.yaml_flow_map";
  } else if (msg == YAML::ErrorMsg::EOF_IN_SCALAR || msg == YAML::ErrorMsg::SINGLE_QUOTED_CHAR) {
    key = "config.yaml_quote";
  }
  if (key == nullptr) return tr(language, "config.yaml_other", fmt::arg("detail", msg));
  return tr(language, key);
}

// ------------------------------------------------------------------ validation

std::string expected_type(const Field& field, std::string_view language);

std::string scalar_type_name(FieldType type, const Field& field, std::string_view language) {
  switch (type) {
    case FieldType::kInt:
      return tr(language, "config.type_integer");
    case FieldType::kFloat:
      return tr(language, "config.type_number");
    case FieldType::kBool:
      return tr(language, "config.type_boolean");
    case FieldType::kEnum: {
      std::string values;
      for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
        values += (i ? ", " : "") + field.enum_values[i];
      }
      return tr(language, "config.type_one_of", fmt::arg("values", values));
    }
    case FieldType::kString:
    case FieldType::kText:
    case FieldType::kSecret:
      return tr(language, "config.type_string");
    default:
      return expected_type(field, language);
  }
}

std::string expected_type(const Field& field, std::string_view language) {
  switch (field.type) {
    case FieldType::kList:
      return tr(language, "config.type_list_of",
                fmt::arg("item", scalar_type_name(field.item_type, field, language)));
    case FieldType::kObject:
      return tr(language, "config.type_mapping");
    case FieldType::kObjectList:
      return tr(language, "config.type_list_of_mappings");
    case FieldType::kMap:
      return field.item_type == FieldType::kObject
                 ? tr(language, "config.type_mapping_of_mappings")
                 : tr(language, "config.type_mapping_of",
                      fmt::arg("item", scalar_type_name(field.item_type, field, language)));
    default:
      return scalar_type_name(field.type, field, language);
  }
}

// True when field or anything below it is a secret: values found there are
// masked in messages even when they have the wrong shape.
bool may_hold_secret(const Field& field) {
  if (field.type == FieldType::kSecret || field.item_type == FieldType::kSecret) return true;
  return std::any_of(field.children.begin(), field.children.end(), may_hold_secret);
}

// What was found, for an error message; secrets are masked.
std::string describe(const json& value, bool secret, std::string_view language) {
  if (value.is_null()) return tr(language, "config.found_nothing");
  if (value.is_object()) return tr(language, "config.found_mapping");
  if (value.is_array()) return tr(language, "config.found_list");
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (secret) return mask_secret(text);
  if (!value.is_string()) return text;
  if (text.size() > kMaxShownChars) text = text.substr(0, kMaxShownChars) + "...";
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

class Validator {
 public:
  Validator(const Environment& env, std::string_view language) : env_(env), language_(language) {}

  // refuse_unknown: an unknown key is an error rather than a warning.
  json validate_object(const std::vector<Field>& children, const json& raw, const std::string& path,
                       const json::json_pointer& pointer, bool env_allowed, bool refuse_unknown = false) {
    json out = json::object();
    const json empty = json::object();
    const json& object = raw.is_object() ? raw : empty;
    for (const Field& child : children) {
      auto it = object.find(child.key);
      if (it == object.end() && child.only_when_present) continue;
      const json& value = it == object.end() ? null_ : *it;
      out[child.key] =
          validate_field(child, value, join_key(path, child.key), pointer / child.key, env_allowed);
    }
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      bool known =
          std::any_of(children.begin(), children.end(), [&](const Field& f) { return f.key == key; });
      if (known) continue;
      std::vector<std::string> siblings;
      for (const Field& child : children) siblings.push_back(child.key);
      std::string message =
          tr(language_, refuse_unknown ? "config.unknown_key_refused" : "config.unknown_key");
      if (auto suggestion = closest_key(key, siblings)) {
        message += tr(language_, "config.did_you_mean", fmt::arg("key", *suggestion));
      }
      (refuse_unknown ? errors_ : warnings_).push_back({join_key(path, key), std::move(message)});
    }
    return out;
  }

  Issues errors_;
  Issues warnings_;
  std::vector<EnvOverride> overrides_;
  std::vector<std::pair<json::json_pointer, json>> file_values_;  // what env overrides replaced
  std::string map_entry_;  // the key of the map-of-objects entry being validated, "" outside one

 private:
  json validate_field(const Field& field, const json& raw, const std::string& path,
                      const json::json_pointer& pointer, bool env_allowed) {
    json from_file = validate_value(field, raw, path, pointer, env_allowed);
    if (!env_allowed || field.env.empty()) return from_file;
    const std::string env_name = entry_env_name(field.env);
    if (env_name.empty()) return from_file;
    auto it = env_.find(env_name);
    if (it == env_.end() || trim(it->second).empty()) return from_file;

    std::size_t first_new_error = errors_.size();
    json from_env = validate_value(field, env_value(field, it->second), path, pointer, false);
    for (std::size_t i = first_new_error; i < errors_.size(); ++i) {
      errors_[i].message += tr(language_, "config.from_env", fmt::arg("env", env_name));
    }
    overrides_.push_back({path, env_name});
    file_values_.emplace_back(pointer, std::move(from_file));
    return from_env;
  }

  // The variable of env here: inside an entry of a map of objects, "<NAME>"
  // becomes the entry's key in upper case, other characters than A-Z and 0-9
  // turned into "_" (image_providers.my-openai: PICBOT_MY_OPENAI_API_KEYS);
  // variables without "<NAME>" do not apply there, and "<NAME>" applies
  // nowhere else. "" when none applies.
  std::string entry_env_name(const std::string& env) const {
    static constexpr std::string_view kPlaceholder = "<NAME>";
    const std::size_t at = env.find(kPlaceholder);
    if (at == std::string::npos) return map_entry_.empty() ? env : std::string();
    if (map_entry_.empty()) return {};
    std::string token;
    for (char c : map_entry_) {
      const auto u = static_cast<unsigned char>(c);
      token.push_back(std::isalnum(u) && u < 0x80 ? static_cast<char>(std::toupper(u)) : '_');
    }
    std::string name = env;
    name.replace(at, kPlaceholder.size(), token);
    return name;
  }

  // A list variable is comma-separated; a list of objects with two keys
  // (plugins.image_gateway.api_keys: name, key) takes "first:second" items.
  static json env_value(const Field& field, std::string_view text) {
    const bool pairs = field.type == FieldType::kObjectList && field.children.size() == 2;
    if (field.type != FieldType::kList && !pairs) return std::string(trim(text));
    json items = json::array();
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t comma = text.find(',', start);
      if (comma == std::string_view::npos) comma = text.size();
      std::string_view item = trim(text.substr(start, comma - start));
      if (!item.empty() && pairs) {
        const std::size_t colon = item.find(':');
        json pair = json::object();
        pair[field.children[0].key] = std::string(trim(item.substr(0, colon)));
        pair[field.children[1].key] =
            colon == std::string_view::npos ? std::string() : std::string(trim(item.substr(colon + 1)));
        items.push_back(std::move(pair));
      } else if (!item.empty()) {
        items.push_back(std::string(item));
      }
      start = comma + 1;
    }
    return items;
  }

  json validate_value(const Field& field, const json& raw, const std::string& path,
                      const json::json_pointer& pointer, bool env_allowed) {
    if (raw.is_null()) {
      if (field.type == FieldType::kObject)
        return validate_object(field.children, raw, path, pointer, env_allowed, field.refuses_unknown_keys);
      if (field.required)
        error(path,
              tr(language_, "config.required_missing", fmt::arg("type", expected_type(field, language_))));
      return field.default_value;
    }
    json out;
    switch (field.type) {
      case FieldType::kObject:
        if (!raw.is_object()) return type_error(field, raw, path);
        return validate_object(field.children, raw, path, pointer, env_allowed, field.refuses_unknown_keys);
      case FieldType::kObjectList:
        if (!raw.is_array()) return type_error(field, raw, path);
        out = json::array();
        for (std::size_t i = 0; i < raw.size(); ++i) {
          const std::string item_path = join_index(path, i);
          if (!raw[i].is_object() && !raw[i].is_null()) {
            error(item_path, expected(tr(language_, "config.type_mapping"), raw[i], may_hold_secret(field)));
            continue;
          }
          out.push_back(validate_object(field.children, raw[i], item_path, pointer / i, false));
        }
        break;
      case FieldType::kList:
        if (!raw.is_array()) return type_error(field, raw, path);
        out = json::array();
        for (std::size_t i = 0; i < raw.size(); ++i) {
          if (auto item = coerce_scalar(field.item_type, field, raw[i], join_index(path, i))) {
            out.push_back(std::move(*item));
          }
        }
        break;
      case FieldType::kMap:
        if (!raw.is_object()) return type_error(field, raw, path);
        out = json::object();
        for (const auto& [key, value] : raw.items()) {
          const std::string entry_path = join_key(path, key);
          if (field.item_type == FieldType::kObject) {
            if (!value.is_object() && !value.is_null()) {
              error(entry_path,
                    expected(tr(language_, "config.type_mapping"), value, may_hold_secret(field)));
              continue;
            }
            // Only "<NAME>" variables apply in an entry (see entry_env_name).
            const std::string outer_entry = std::exchange(map_entry_, key);
            out[key] = validate_object(field.children, value, entry_path, pointer / key, env_allowed);
            map_entry_ = outer_entry;
          } else if (auto item = coerce_scalar(field.item_type, field, value, entry_path)) {
            out[key] = std::move(*item);
          }
        }
        break;
      default: {
        auto value = coerce_scalar(field.type, field, raw, path);
        if (!value) return field.default_value;
        out = std::move(*value);
      }
    }
    const bool empty = out.is_string() ? out.get_ref<const std::string&>().empty() : out.empty();
    if (field.required && empty)
      error(path, tr(language_, "config.required_empty", fmt::arg("type", expected_type(field, language_))));
    return out;
  }

  // Converts one scalar to type, checking enum values and min/max. Records an
  // error and returns nullopt when it does not fit.
  std::optional<json> coerce_scalar(FieldType type, const Field& field, const json& raw,
                                    const std::string& path) {
    const bool secret = type == FieldType::kSecret;
    auto fail = [&]() -> std::optional<json> {
      error(path, expected(scalar_type_name(type, field, language_), raw, secret));
      return std::nullopt;
    };
    if (raw.is_structured() || raw.is_null()) return fail();
    switch (type) {
      case FieldType::kString:
      case FieldType::kText:
      case FieldType::kSecret:
        return json(*scalar_text(raw));
      case FieldType::kEnum: {
        std::string text = *scalar_text(raw);
        if (std::find(field.enum_values.begin(), field.enum_values.end(), text) == field.enum_values.end()) {
          return fail();
        }
        return json(text);
      }
      case FieldType::kBool: {
        if (raw.is_boolean()) return raw;
        if (!raw.is_string()) return fail();
        std::string text = to_lower(trim(raw.get<std::string>()));
        if (text == "true" || text == "yes" || text == "on") return json(true);
        if (text == "false" || text == "no" || text == "off") return json(false);
        return fail();
      }
      case FieldType::kInt: {
        std::optional<long long> value;
        if (raw.is_number_integer() &&
            !(raw.is_number_unsigned() &&
              raw.get<unsigned long long>() >
                  static_cast<unsigned long long>(std::numeric_limits<long long>::max()))) {
          value = raw.get<long long>();
        } else if (raw.is_string()) {
          value = parse_int(raw.get<std::string>());
        }
        if (!value) return fail();
        if (!in_range(type, field, static_cast<double>(*value), raw, path)) return std::nullopt;
        return json(*value);
      }
      case FieldType::kFloat: {
        std::optional<double> value;
        if (raw.is_number()) {
          value = raw.get<double>();
        } else if (raw.is_string()) {
          value = parse_double(raw.get<std::string>());
        }
        if (!value) return fail();
        if (!in_range(type, field, *value, raw, path)) return std::nullopt;
        return json(*value);
      }
      default:
        return fail();
    }
  }

  bool in_range(FieldType type, const Field& field, double value, const json& raw, const std::string& path) {
    const bool too_small = field.min && value < *field.min;
    const bool too_big = field.max && value > *field.max;
    if (!too_small && !too_big) return true;
    const char* key = field.min && field.max ? "config.expected_in_range"
                      : field.min            ? "config.expected_at_least"
                                             : "config.expected_at_most";
    error(path, tr(language_, key, fmt::arg("type", scalar_type_name(type, field, language_)),
                   fmt::arg("min", field.min ? format_number(*field.min) : std::string()),
                   fmt::arg("max", field.max ? format_number(*field.max) : std::string()),
                   fmt::arg("found", describe(raw, false, language_))));
    return false;
  }

  json type_error(const Field& field, const json& raw, const std::string& path) {
    error(path, expected(expected_type(field, language_), raw, may_hold_secret(field)));
    return field.type == FieldType::kObject
               ? validate_object(field.children, null_, path, json::json_pointer(), false)
               : field.default_value;
  }

  void error(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }

  // "expected <type>, got <what raw is>" in language_.
  std::string expected(const std::string& type, const json& raw, bool secret) const {
    return tr(language_, "config.expected", fmt::arg("type", type),
              fmt::arg("found", describe(raw, secret, language_)));
  }

  const Environment& env_;
  std::string_view language_;
  const json null_;
};

}  // namespace

std::string format_issue(const ConfigIssue& issue, std::string_view language) {
  if (issue.path.empty()) return issue.message;
  if (issue.line == 0) return issue.path + ": " + issue.message;
  register_config_messages();
  return tr(language, "config.issue_line", fmt::arg("path", issue.path), fmt::arg("line", issue.line),
            fmt::arg("message", issue.message));
}

void attach_lines(std::vector<ConfigIssue>& issues, const KeyLines& lines) {
  for (ConfigIssue& issue : issues) {
    std::string path = issue.path;
    while (issue.line == 0 && !path.empty()) {
      if (auto it = lines.find(path); it != lines.end()) {
        issue.line = it->second;
      } else {
        const std::size_t parent_end = path.find_last_of(".[");
        path.erase(parent_end == std::string::npos ? 0 : parent_end);
      }
    }
  }
}

Environment process_environment() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return env;
}

Result<nlohmann::json, std::vector<ConfigIssue>> parse_yaml(std::string_view text, std::string_view language,
                                                            KeyLines* lines) {
  register_config_messages();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    return Issues{{"", tr(language, "config.yaml_syntax", fmt::arg("line", e.mark.line + 1),
                          fmt::arg("column", e.mark.column + 1),
                          fmt::arg("explanation", explain_syntax_error(text, e, language)))}};
  } catch (const YAML::Exception& e) {
    return Issues{{"", tr(language, "config.cannot_parse", fmt::arg("detail", e.what()))}};
  }
  Issues errors;
  json out = YamlConverter(errors, lines, language).convert(root, "");
  if (!errors.empty()) return errors;
  return out;
}

Result<LoadedConfig, std::vector<ConfigIssue>> validate_config(const Schema& schema,
                                                               const nlohmann::json& raw,
                                                               const Environment& env,
                                                               std::string_view language) {
  register_config_messages();
  if (!raw.is_null() && !raw.is_object()) {
    return Issues{{"", tr(language, "config.not_a_mapping",
                          fmt::arg("found", describe(raw, may_hold_secret(schema.root()), language)))}};
  }
  Validator validator(env, language);
  LoadedConfig loaded;
  loaded.values = validator.validate_object(schema.root().children, raw, "", json::json_pointer(), true);
  if (!validator.errors_.empty()) {
    Issues issues = std::move(validator.errors_);
    issues.insert(issues.end(), validator.warnings_.begin(), validator.warnings_.end());
    return issues;
  }
  loaded.file_values = loaded.values;
  for (auto& [pointer, value] : validator.file_values_) loaded.file_values[pointer] = std::move(value);
  loaded.env_overrides = std::move(validator.overrides_);
  loaded.warnings = std::move(validator.warnings_);
  return loaded;
}

Result<LoadedConfig, std::vector<ConfigIssue>> load_config_file(const Schema& schema,
                                                                const std::filesystem::path& path,
                                                                const Environment& env,
                                                                std::string_view language) {
  register_config_messages();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == ENOENT)
      return Issues{{"", tr(language, "config.missing_file", fmt::arg("path", path.string()))}};
    return Issues{{"", tr(language, "config.cannot_read", fmt::arg("path", path.string()),
                          fmt::arg("reason", std::strerror(error)))}};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Issues{{"", tr(language, "config.cannot_read", fmt::arg("path", path.string()),
                          fmt::arg("reason", std::strerror(EIO)))}};
  }
  KeyLines lines;
  auto raw = parse_yaml(text.str(), language, &lines);
  if (!raw.ok()) return raw.error();
  auto loaded = validate_config(schema, *raw, env, language);
  if (!loaded.ok()) {
    Issues issues = std::move(loaded.error());
    attach_lines(issues, lines);
    return issues;
  }
  attach_lines(loaded->warnings, lines);
  loaded->key_lines = std::move(lines);
  return loaded;
}

}  // namespace picbot::config
