// AgentSettings: the `llm` config section in typed form, plus the rules that
// depend on it: which API keys the agent uses and which session a message
// belongs to. Immutable once built; a reload builds a new one.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/agent/chat_client.h"
#include "bot/onebot/event.h"

namespace picbot::agent {

enum class SessionScope { kPerGroup, kPerMember };

struct AgentSettings {
  bool enabled = false;
  ChatClientSettings chat;
  std::string system_prompt;
  double temperature = 0.7;
  int max_tool_steps = 8;
  std::chrono::milliseconds tool_timeout{120'000};
  int max_turns = 20;            // user message + reply pairs kept
  std::size_t max_chars = 8000;  // characters (code points) of history kept
  SessionScope session_scope = SessionScope::kPerGroup;
  std::map<std::int64_t, SessionScope> scope_overrides;  // group_id -> scope

  // REQUIRES: config is the whole validated config (root object). Reads
  // `llm`; when llm.api_keys is empty and the API base is OpenRouter, takes
  // plugins.gemini_pic_gen.openrouter_api_keys (and the legacy
  // openrouter_api_key) so one OpenRouter key serves both.
  static AgentSettings from_config(const nlohmann::json& config);
};

// The keys the agent uses (see AgentSettings::from_config).
std::vector<std::string> resolve_api_keys(const nlohmann::json& config);

// The session a message belongs to: "user:<uid>" in private chats; in groups
// "group:<gid>" (per_group) or "group:<gid>:user:<uid>" (per_member), the
// group's override winning over session_scope.
std::string session_key(const AgentSettings& settings, const onebot::MessageEvent& event);

}  // namespace picbot::agent
