#include "bot/agent/tool_arguments.h"

#include <cctype>

#include "bot/core/json_limits.h"
#include "bot/dispatch/wake.h"
#include "bot/llm/provider_error.h"

namespace picbot::agent {
namespace {

using nlohmann::json;

std::string strip_trailing_commas(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == ',') {
      std::size_t next = i + 1;
      while (next < text.size() && std::isspace(static_cast<unsigned char>(text[next]))) ++next;
      if (next < text.size() && (text[next] == '}' || text[next] == ']')) continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string repair_json(std::string_view raw) {
  std::string_view text = raw;
  if (const auto fence = text.find("```"); fence != std::string_view::npos) {
    text.remove_prefix(fence + 3);
    if (const auto newline = text.find('\n'); newline != std::string_view::npos) {
      // The rest of the fence's first line names the language ("json").
      if (text.substr(0, newline).find('{') == std::string_view::npos) text.remove_prefix(newline + 1);
    }
    if (const auto close = text.find("```"); close != std::string_view::npos) text = text.substr(0, close);
  }
  const auto open = text.find('{');
  const auto close = text.rfind('}');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    text = text.substr(open, close - open + 1);
  }
  return strip_trailing_commas(text);
}

Result<json> parse_tool_arguments(std::string_view raw) {
  if (trim_chat_text(raw).empty()) return json::object();
  auto read = parse_json(raw);
  if (!read && !is_json_too_deep(read.error())) read = parse_json(repair_json(raw));
  if (!read) {
    return Error::make("bad_arguments", "the arguments are not valid JSON (" + read.error().message +
                                            "): " + llm::sanitize_message(raw, 200));
  }
  json& parsed = *read;
  if (!parsed.is_object()) {
    return Error::make("bad_arguments", "the arguments must be a JSON object, got: " +
                                            llm::sanitize_message(parsed.dump(), 200));
  }
  return parsed;
}

}  // namespace picbot::agent
