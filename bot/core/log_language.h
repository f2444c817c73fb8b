// The language of the log lines an operator reads (start-up, connection, key
// and quota events): zh-CN by default, en with `--lang en` or `log_language:
// en`. The lines' words come from the message table ("log.*" entries); the
// parts a script greps (numbers, ids, addresses, key masks) stay the same in
// both languages.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "bot/core/message_table.h"

namespace picbot::log {

// Sets the language of later lines: "en" selects English, anything else
// zh-CN. Thread-safe.
void set_language(std::string_view language);

// --lang on the command line: sets the language and keeps it, whatever a
// later follow_config says. Thread-safe.
void pin_language(std::string_view language);

// The config's choice, at start and on every reload: log_language, or
// bot_language when log_language is "auto" or empty. Does nothing after
// pin_language. Thread-safe.
void follow_config(std::string_view log_language, std::string_view bot_language);

// The current log language, "zh-CN" or "en". Makes sure the host's "log.*"
// entries are in the message table. Thread-safe.
std::string language();

// tr(language(), key, args...): one log line's text in the log language.
template <class... Args>
std::string text(std::string_view key, Args&&... args) {
  return tr(language(), key, std::forward<Args>(args)...);
}

}  // namespace picbot::log
