#include "bot/config/config_edit.h"

#include <algorithm>

#include "bot/core/secret.h"

namespace picbot::config {
namespace {

using nlohmann::json;

bool is_masked_form_of(const json& submitted, const json& secret) {
  return submitted.is_string() && secret.is_string() && !secret.get_ref<const std::string&>().empty() &&
         submitted.get_ref<const std::string&>() == mask_secret(secret.get_ref<const std::string&>());
}

void restore_scalar_list(json& submitted, const json& current) {
  if (!submitted.is_array() || !current.is_array()) return;
  for (std::size_t i = 0; i < submitted.size(); ++i) {
    if (i < current.size() && is_masked_form_of(submitted[i], current[i])) {
      submitted[i] = current[i];
      continue;
    }
    for (const auto& candidate : current) {
      if (is_masked_form_of(submitted[i], candidate)) {
        submitted[i] = candidate;
        break;
      }
    }
  }
}

void restore(const Field& field, json& submitted, const json& current);

void restore_object(const std::vector<Field>& children, json& submitted, const json& current) {
  if (!submitted.is_object() || !current.is_object()) return;
  for (const Field& child : children) {
    auto it = submitted.find(child.key);
    auto cur = current.find(child.key);
    if (it != submitted.end() && cur != current.end()) restore(child, *it, *cur);
  }
}

void restore(const Field& field, json& submitted, const json& current) {
  switch (field.type) {
    case FieldType::kSecret:
      if (is_masked_form_of(submitted, current)) submitted = current;
      return;
    case FieldType::kList:
      if (field.item_type == FieldType::kSecret) restore_scalar_list(submitted, current);
      return;
    case FieldType::kMap:
      if (!submitted.is_object() || !current.is_object()) return;
      for (auto& [key, value] : submitted.items()) {
        auto cur = current.find(key);
        if (cur == current.end()) continue;
        if (field.item_type == FieldType::kObject)
          restore_object(field.children, value, *cur);
        else if (field.item_type == FieldType::kSecret && is_masked_form_of(value, *cur))
          value = *cur;
      }
      return;
    case FieldType::kObject:
      restore_object(field.children, submitted, current);
      return;
    case FieldType::kObjectList:
      if (!submitted.is_array() || !current.is_array()) return;
      // Items are matched by index: the form keeps the order it was given.
      for (std::size_t i = 0; i < submitted.size() && i < current.size(); ++i) {
        restore_object(field.children, submitted[i], current[i]);
      }
      return;
    default:
      return;
  }
}

bool holds_secret(const Field& field) {
  if (field.type == FieldType::kSecret || field.item_type == FieldType::kSecret) return true;
  return std::any_of(field.children.begin(), field.children.end(), holds_secret);
}

const Field* child_named(const Field& object, const std::string& key) {
  for (const Field& child : object.children) {
    if (child.key == key) return &child;
  }
  return nullptr;
}

Status merge_object(const Field& field, json& current, const json& submitted, const std::string& path) {
  for (const auto& [key, value] : submitted.items()) {
    const std::string child_path = path.empty() ? key : path + "." + key;
    const Field* child = child_named(field, key);
    if (value.is_null()) {
      // Removing a plugin's section removes its settings, secrets included, on purpose.
      if (child != nullptr && holds_secret(*child) && !child->only_when_present)
        return Error::make("secret_needs_value", child_path);
      current.erase(key);
      continue;
    }
    auto it = current.find(key);
    if (child != nullptr && child->type == FieldType::kObject && value.is_object() && it != current.end() &&
        it->is_object()) {
      if (Status s = merge_object(*child, *it, value, child_path); !s) return s;
      continue;
    }
    current[key] = value;
  }
  return {};
}

void diff(const json& before, const json& after, const std::string& path, std::vector<std::string>& out) {
  if (before.is_object() && after.is_object()) {
    for (const auto& [key, value] : before.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      auto it = after.find(key);
      if (it == after.end())
        out.push_back(child);
      else
        diff(value, *it, child, out);
    }
    for (const auto& [key, value] : after.items()) {
      if (!before.contains(key)) out.push_back(path.empty() ? key : path + "." + key);
    }
    return;
  }
  if (before != after) out.push_back(path);
}

}  // namespace

Result<json> merge_submitted(const Schema& schema, json current, const json& submitted) {
  if (!current.is_object()) current = json::object();
  if (Status s = merge_object(schema.root(), current, submitted, ""); !s) return s.error();
  return current;
}

json restore_masked_secrets(const Schema& schema, json submitted, const json& current) {
  restore(schema.root(), submitted, current);
  return submitted;
}

std::vector<std::string> changed_paths(const json& before, const json& after) {
  std::vector<std::string> out;
  diff(before, after, "", out);
  return out;
}

std::vector<std::string> restart_required_paths(const Schema& schema, const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    // The field itself or any enclosing object.
    std::string prefix = path;
    while (true) {
      const Field* field = schema.find(prefix);
      if (field && field->restart_required) {
        out.push_back(path);
        break;
      }
      const std::size_t dot = prefix.rfind('.');
      if (dot == std::string::npos) break;
      prefix.resize(dot);
    }
  }
  return out;
}

}  // namespace picbot::config
