// Wake analysis: does a message address the bot, and is it a command? A
// message wakes the bot through a command prefix, an @ of the bot, one of
// bot.nicknames at the start, or by being a private chat.
#pragma once

#include <string>

#include "bot/onebot/event.h"
#include "bot/plugin/bot_settings.h"

namespace picbot {

struct Wake {
  bool woken = false;       // any of the reasons below
  bool at_bot = false;      // an @ of the bot's own QQ
  bool nickname = false;    // started with a configured nickname
  bool is_command = false;  // text starts with a command prefix
  std::string text;         // the text with @bot, nickname and prefix removed, trimmed
  std::string command;      // first word after the prefix (when is_command)
  std::string args;         // the rest (when is_command), trimmed
};

// REQUIRES: event.self_id is the account that received it.
Wake analyse_wake(const onebot::MessageEvent& event, const BotSettings& settings);

// Trims ASCII and full-width whitespace from both ends; at the front also the
// separators people put after a nickname ("，", "：", ",", ":").
std::string trim_chat_text(std::string_view text);

}  // namespace picbot
