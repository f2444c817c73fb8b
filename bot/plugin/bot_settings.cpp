#include "bot/plugin/bot_settings.h"

namespace picbot {

BotSettings BotSettings::from_config(const nlohmann::json& bot) {
  BotSettings s;
  s.command_prefixes = bot.value("command_prefixes", s.command_prefixes);
  s.nicknames = bot.value("nicknames", s.nicknames);
  for (const auto& id : bot.value("admins", nlohmann::json::array())) s.admins.insert(id.get<std::int64_t>());
  for (const auto& id : bot.value("group_allowlist", nlohmann::json::array())) {
    s.group_allowlist.insert(id.get<std::int64_t>());
  }
  for (const auto& id : bot.value("group_denylist", nlohmann::json::array())) {
    s.group_denylist.insert(id.get<std::int64_t>());
  }
  s.language = bot.value("language", s.language);
  s.disabled_reply = bot.value("disabled_reply", s.disabled_reply);
  // Longest prefix first, so "//" wins over "/".
  std::sort(s.command_prefixes.begin(), s.command_prefixes.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::erase_if(s.command_prefixes, [](const std::string& p) { return p.empty(); });
  return s;
}

bool BotSettings::group_allowed(std::int64_t group_id) const {
  if (group_denylist.count(group_id) != 0) return false;
  return group_allowlist.empty() || group_allowlist.count(group_id) != 0;
}

}  // namespace picbot
