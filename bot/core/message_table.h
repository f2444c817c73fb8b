// MessageTable: every user-facing string (chat replies, console labels), in
// zh-CN and en. The host and each plugin add their own entries at start-up;
// lookups fall back to zh-CN, then to the key itself, so a missing entry
// shows up as an obvious key rather than an empty reply. Thread-safe.
#pragma once

#include <fmt/args.h>
#include <fmt/format.h>

#include <initializer_list>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace picbot {

struct MessageEntry {
  std::string_view key;
  std::string_view zh_cn;
  std::string_view en;
};

class MessageTable {
 public:
  static MessageTable& instance();

  // Adds entries; a later entry with the same key replaces the earlier one.
  void add(std::initializer_list<MessageEntry> entries);

  // Returns the template for key in language ("zh-CN" or "en").
  std::string lookup(std::string_view language, std::string_view key) const;

  // Formats the template with named arguments: {limit}, {time}, ...
  // A template that does not match its arguments is returned unformatted.
  template <class... Args>
  std::string format(std::string_view language, std::string_view key, Args&&... args) const {
    const std::string pattern = lookup(language, key);
    if constexpr (sizeof...(Args) == 0) {
      return pattern;
    } else {
      fmt::dynamic_format_arg_store<fmt::format_context> store;
      (store.push_back(std::forward<Args>(args)), ...);
      return format_pattern(pattern, store);
    }
  }

 private:
  MessageTable() = default;
  static std::string format_pattern(const std::string& pattern,
                                    const fmt::dynamic_format_arg_store<fmt::format_context>& store);

  mutable std::shared_mutex mutex_;
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> entries_;
};

// Shorthand: tr(lang, "key", fmt::arg("name", value), ...)
template <class... Args>
std::string tr(std::string_view language, std::string_view key, Args&&... args) {
  return MessageTable::instance().format(language, key, std::forward<Args>(args)...);
}

}  // namespace picbot
