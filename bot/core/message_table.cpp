#include "bot/core/message_table.h"

namespace picbot {

MessageTable& MessageTable::instance() {
  static MessageTable table;
  return table;
}

void MessageTable::add(std::initializer_list<MessageEntry> entries) {
  std::unique_lock lock(mutex_);
  for (const auto& e : entries) {
    entries_[std::string(e.key)] = {std::string(e.zh_cn), std::string(e.en)};
  }
}

std::string MessageTable::lookup(std::string_view language, std::string_view key) const {
  std::shared_lock lock(mutex_);
  const auto it = entries_.find(key);
  if (it == entries_.end()) return std::string(key);
  const bool english = language.starts_with("en");
  const std::string& text = english ? it->second.second : it->second.first;
  return text.empty() ? it->second.first : text;
}

std::string MessageTable::format_pattern(const std::string& pattern,
                                         const fmt::dynamic_format_arg_store<fmt::format_context>& store) {
  try {
    return fmt::vformat(pattern, store);
  } catch (const fmt::format_error&) {
    return pattern;
  }
}

}  // namespace picbot
