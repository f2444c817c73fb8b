// BotSettings: the `bot` config section in typed form. Immutable once built;
// a reload builds a new one and swaps the shared_ptr.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace picbot {

struct BotSettings {
  std::vector<std::string> command_prefixes{"/"};
  std::vector<std::string> nicknames;
  std::set<std::int64_t> admins;
  std::set<std::int64_t> group_allowlist;  // empty: every group
  std::set<std::int64_t> group_denylist;
  std::string language = "zh-CN";
  std::string disabled_reply;  // sent when nothing handles a wake-up; empty: silent

  // REQUIRES: section was validated against the schema.
  static BotSettings from_config(const nlohmann::json& bot_section);

  // The prefix to show in help and hints: the shortest configured one, or "".
  std::string display_prefix() const { return command_prefixes.empty() ? std::string() : command_prefixes.back(); }

  bool is_admin(std::int64_t user_id) const { return admins.count(user_id) != 0; }
  // False for groups the bot must ignore (deny list, or not on a non-empty allow list).
  bool group_allowed(std::int64_t group_id) const;
};

}  // namespace picbot
