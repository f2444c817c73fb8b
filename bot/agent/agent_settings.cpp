#include "bot/agent/agent_settings.h"

#include <algorithm>

#include "bot/core/millis.h"
#include "bot/llm/api_base.h"

namespace picbot::agent {
namespace {

using nlohmann::json;

const json& member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

SessionScope parse_scope(const json& value) {
  return value.is_string() && value.get<std::string>() == "per_member" ? SessionScope::kPerMember
                                                                       : SessionScope::kPerGroup;
}

void add_key(std::vector<std::string>& keys, const json& value) {
  if (!value.is_string()) return;
  const std::string key = value.get<std::string>();
  if (!key.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
}

}  // namespace

std::vector<std::string> resolve_api_keys(const json& config) {
  const json& llm = member(config, "llm");
  std::vector<std::string> keys;
  if (const json& own = member(llm, "api_keys"); own.is_array()) {
    for (const auto& key : own) add_key(keys, key);
  }
  if (!keys.empty()) return keys;
  const json& base = member(llm, "api_base");
  const std::string api_base = base.is_string() ? base.get<std::string>() : std::string();
  if (!llm::normalize_api_base(api_base).starts_with("https://openrouter.ai")) return keys;
  const json& plugin = member(member(config, "plugins"), "gemini_pic_gen");
  if (const json& list = member(plugin, "openrouter_api_keys"); list.is_array()) {
    for (const auto& key : list) add_key(keys, key);
  }
  add_key(keys, member(plugin, "openrouter_api_key"));
  return keys;
}

AgentSettings AgentSettings::from_config(const json& config) {
  const json llm = member(config, "llm").is_object() ? member(config, "llm") : json::object();
  AgentSettings s;
  s.enabled = llm.value("enabled", false);
  s.chat.api_base = llm.value("api_base", std::string(llm::kOpenRouterApiBase));
  s.chat.api_keys = resolve_api_keys(config);
  s.chat.model = llm.value("model", s.chat.model);
  s.chat.proxy = llm.value("proxy", "");
  s.chat.retry.max_retry_attempts = llm.value("max_retry_attempts", s.chat.retry.max_retry_attempts);
  s.chat.retry.backoff_initial_seconds =
      llm.value("backoff_initial_seconds", s.chat.retry.backoff_initial_seconds);
  s.chat.retry.backoff_max_seconds = llm.value("backoff_max_seconds", s.chat.retry.backoff_max_seconds);
  s.chat.retry.deadline = seconds_to_ms(llm.value("request_timeout_seconds", 60.0));
  s.system_prompt = llm.value("system_prompt", "");
  s.temperature = llm.value("temperature", s.temperature);
  s.max_tool_steps = llm.value("max_tool_steps", s.max_tool_steps);
  s.tool_timeout = seconds_to_ms(llm.value("tool_timeout_seconds", 120.0));
  const json& context = member(llm, "context");
  if (context.is_object()) {
    s.max_turns = context.value("max_turns", s.max_turns);
    s.max_chars = context.value("max_chars", s.max_chars);
  }
  s.session_scope = parse_scope(member(llm, "session_scope"));
  if (const json& overrides = member(llm, "session_scope_overrides"); overrides.is_array()) {
    for (const auto& item : overrides) {
      const json& group = member(item, "group_id");
      if (!group.is_number_integer()) continue;
      const json& scope = member(item, "scope");
      s.scope_overrides[group.get<std::int64_t>()] =
          scope.is_null() ? SessionScope::kPerMember : parse_scope(scope);
    }
  }
  return s;
}

std::string session_key(const AgentSettings& settings, const onebot::MessageEvent& event) {
  if (!event.is_group()) return "user:" + std::to_string(event.user_id);
  SessionScope scope = settings.session_scope;
  if (const auto it = settings.scope_overrides.find(event.group_id); it != settings.scope_overrides.end()) {
    scope = it->second;
  }
  std::string key = "group:" + std::to_string(event.group_id);
  if (scope == SessionScope::kPerMember) key += ":user:" + std::to_string(event.user_id);
  return key;
}

}  // namespace picbot::agent
