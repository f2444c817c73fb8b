// The console pages' words: a page asks its API for its labels once and
// shows them in the language the operator picked, so every label is sent in
// every language the message table has (zh-CN, en).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string_view>

#include "bot/core/message_table.h"

namespace picbot::web {

// {"zh-CN": {key: text}, "en": {key: text}} for the entries whose key starts
// with prefix, each text as MessageTable::instance() has it now.
nlohmann::json console_labels_json(std::span<const MessageEntry> entries, std::string_view prefix = {});

}  // namespace picbot::web
