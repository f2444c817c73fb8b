#include "bot/agent/history.h"

#include <algorithm>
#include <cctype>

#include "bot/core/utf8.h"

namespace picbot::agent {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '-' ||
         c == '_';
}

bool is_mime_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '+' || c == '-' || c == '.' ||
         c == ';' || c == '=';
}

}  // namespace

std::string strip_inline_images(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t payload = 0;  // where the base64 data starts; 0: no inline image at i
    if (starts_with_nocase(text.substr(i), "base64://")) {
      payload = i + 9;
    } else if (starts_with_nocase(text.substr(i), "data:")) {
      // "data:" <mime and parameters> ";base64,"
      std::size_t j = i + 5;
      while (j < text.size() && j - i < 128 && is_mime_char(text[j])) ++j;
      if (j >= 7 && starts_with_nocase(text.substr(j - 7), ";base64") && j < text.size() && text[j] == ',') {
        payload = j + 1;
      }
    }
    if (payload == 0) {
      out += text[i++];
      continue;
    }
    std::size_t end = payload;
    while (end < text.size() && is_base64_char(text[end])) ++end;
    out += kImagePlaceholder;
    i = end;
  }
  return out;
}

std::string user_turn_text(const onebot::MessageEvent& event, const Wake& wake) {
  std::string body = strip_inline_images(wake.text);
  for (const auto& segment : event.message) {
    if (std::holds_alternative<onebot::Image>(segment)) {
      if (!body.empty() && body.back() != ' ') body += ' ';
      body += kImagePlaceholder;
    }
  }
  if (body.empty() || !event.is_group()) return body;
  std::string name = event.sender.card.empty() ? event.sender.nickname : event.sender.card;
  if (name.empty()) name = std::to_string(event.user_id);
  return strip_inline_images(name) + ": " + body;
}

std::vector<Turn> trim_history(std::vector<Turn> turns, const HistoryLimits& limits) {
  const std::size_t max_messages = static_cast<std::size_t>(std::max(limits.max_turns, 0)) * 2;
  std::size_t first = turns.size() > max_messages ? turns.size() - max_messages : 0;
  std::size_t chars = 0;
  for (std::size_t i = first; i < turns.size(); ++i) chars += count_code_points(turns[i].content);
  while (first < turns.size() && (chars > limits.max_chars || turns[first].role != "user")) {
    chars -= count_code_points(turns[first].content);
    ++first;
  }
  turns.erase(turns.begin(), turns.begin() + static_cast<std::ptrdiff_t>(first));
  return turns;
}

std::vector<std::string> split_reply(std::string_view text, std::size_t max_chars) {
  std::vector<std::string> pieces;
  if (max_chars == 0) max_chars = 1;
  while (!text.empty()) {
    std::size_t cut = code_point_prefix(text, max_chars).size();
    if (cut < text.size()) {
      const std::size_t newline = text.substr(0, cut).rfind('\n');
      if (newline != std::string_view::npos && newline >= cut / 2) cut = newline + 1;
    }
    std::string piece(text.substr(0, cut));
    while (!piece.empty() && (piece.back() == '\n' || piece.back() == ' ')) piece.pop_back();
    if (!piece.empty()) pieces.push_back(std::move(piece));
    text.remove_prefix(cut);
  }
  return pieces;
}

}  // namespace picbot::agent
