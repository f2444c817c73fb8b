// Conversation history helpers: what a chat message becomes in the stored
// history (images as a placeholder, never base64), how history is trimmed,
// and how a long reply is split for QQ.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/dispatch/wake.h"
#include "bot/onebot/event.h"

namespace picbot::agent {

// Stands for an image in history and in what the model reads.
inline constexpr std::string_view kImagePlaceholder = "[图片]";

struct Turn {
  std::string role;  // "user" or "assistant"
  std::string content;
  bool operator==(const Turn&) const = default;
};

struct HistoryLimits {
  int max_turns = 20;            // user message + reply pairs
  std::size_t max_chars = 8000;  // code points over all kept turns
};

// Replaces inline images in text ("data:<mime>;base64,<data>" URLs and
// "base64://<data>") with kImagePlaceholder.
std::string strip_inline_images(std::string_view text);

// The user turn for a woken message: wake.text plus kImagePlaceholder for
// each image, inline images stripped. In groups it starts with the sender's
// name ("card or nickname: ") so the model can tell people apart. "" when the
// message has neither text nor images.
std::string user_turn_text(const onebot::MessageEvent& event, const Wake& wake);

// The most recent turns within limits: at most 2 * max_turns messages, at
// most max_chars code points in total, and starting with a user message.
std::vector<Turn> trim_history(std::vector<Turn> turns, const HistoryLimits& limits);

// Splits text into pieces of at most max_chars code points, preferring to cut
// after a newline in the second half of a piece. Empty text gives no pieces.
std::vector<std::string> split_reply(std::string_view text, std::size_t max_chars = 1500);

}  // namespace picbot::agent
