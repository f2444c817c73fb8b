#include "bot/dispatch/wake.h"

namespace picbot {
namespace {

bool starts_with_space(std::string_view s) {
  return !s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r');
}

// Full-width space (U+3000) and the punctuation people put after a nickname.
constexpr std::string_view kSeparators[] = {"\xE3\x80\x80", "，", "：", ",", ":"};

std::string_view strip_leading(std::string_view s) {
  for (bool again = true; again;) {
    again = false;
    while (starts_with_space(s)) {
      s.remove_prefix(1);
      again = true;
    }
    for (auto sep : kSeparators) {
      if (s.starts_with(sep)) {
        s.remove_prefix(sep.size());
        again = true;
      }
    }
  }
  return s;
}

}  // namespace

std::string trim_chat_text(std::string_view text) {
  text = strip_leading(text);
  while (!text.empty()) {
    if (const char c = text.back(); c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      text.remove_suffix(1);
    } else if (text.ends_with("\xE3\x80\x80")) {
      text.remove_suffix(3);
    } else {
      break;
    }
  }
  return std::string(text);
}

Wake analyse_wake(const onebot::MessageEvent& event, const BotSettings& settings) {
  Wake wake;
  const std::string self = std::to_string(event.self_id);
  std::string text;
  for (const auto& segment : event.message) {
    if (const auto* at = std::get_if<onebot::At>(&segment)) {
      if (at->qq == self) {
        wake.at_bot = true;
        continue;
      }
      text += "@" + (at->name.empty() ? at->qq : at->name);
    } else if (const auto* t = std::get_if<onebot::Text>(&segment)) {
      text += t->text;
    }
  }
  std::string_view rest = strip_leading(text);
  for (const auto& nick : settings.nicknames) {
    if (!nick.empty() && rest.starts_with(nick)) {
      wake.nickname = true;
      rest = strip_leading(rest.substr(nick.size()));
      break;
    }
  }
  for (const auto& prefix : settings.command_prefixes) {
    if (rest.starts_with(prefix)) {
      std::string_view line = rest.substr(prefix.size());
      const std::size_t end = line.find_first_of(" \t\r\n");
      wake.command = std::string(line.substr(0, end));
      if (!wake.command.empty()) {
        wake.is_command = true;
        wake.args = end == std::string_view::npos ? std::string() : trim_chat_text(line.substr(end));
      }
      break;
    }
  }
  wake.text = trim_chat_text(rest);
  wake.woken = wake.is_command || wake.at_bot || wake.nickname || !event.is_group();
  return wake;
}

}  // namespace picbot
