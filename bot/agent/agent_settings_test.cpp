#include "bot/agent/agent_settings.h"

#include <gtest/gtest.h>

namespace picbot::agent {
namespace {
using nlohmann::json;

onebot::MessageEvent event(std::int64_t group, std::int64_t user) {
  onebot::MessageEvent e;
  e.group_id = group;
  e.user_id = user;
  return e;
}

TEST(SessionKeyTest, ScopesAndOverrides) {
  AgentSettings s = AgentSettings::from_config(
      json{{"llm",
            {{"session_scope", "per_group"},
             {"session_scope_overrides", json::array({json{{"group_id", 778}, {"scope", "per_member"}}})}}}});
  EXPECT_EQ(session_key(s, event(777, 42)), "group:777");
  EXPECT_EQ(session_key(s, event(778, 42)), "group:778:user:42");
  EXPECT_EQ(session_key(s, event(0, 42)), "user:42");

  s = AgentSettings::from_config(
      json{{"llm",
            {{"session_scope", "per_member"},
             {"session_scope_overrides", json::array({json{{"group_id", 778}, {"scope", "per_group"}}})}}}});
  EXPECT_EQ(session_key(s, event(777, 42)), "group:777:user:42");
  EXPECT_EQ(session_key(s, event(778, 42)), "group:778");
  EXPECT_EQ(session_key(s, event(0, 43)), "user:43");
}

// A temp chat (NapCat's handleTempGroupMessage: private, with the group it
// started in) keeps its own private session, not the group's.
TEST(SessionKeyTest, ATempChatHasThePrivateSession) {
  const AgentSettings s = AgentSettings::from_config(json{{"llm", {{"session_scope", "per_group"}}}});
  auto temp = onebot::parse_event(json{{"post_type", "message"},
                                       {"message_type", "private"},
                                       {"sub_type", "group"},
                                       {"user_id", 42},
                                       {"group_id", 777},
                                       {"message", "hi"}});
  ASSERT_TRUE(temp.ok());
  EXPECT_EQ(session_key(s, std::get<onebot::MessageEvent>(*temp)), "user:42");
}

TEST(AgentSettingsTest, ReadsTheLlmSection) {
  const AgentSettings s =
      AgentSettings::from_config(json{{"llm",
                                       {{"enabled", true},
                                        {"api_base", "https://api.example.com"},
                                        {"api_keys", {"k-111111", "k-222222"}},
                                        {"model", "m"},
                                        {"system_prompt", "be nice"},
                                        {"temperature", 0.2},
                                        {"max_tool_steps", 3},
                                        {"tool_timeout_seconds", 1.5},
                                        {"request_timeout_seconds", 7},
                                        {"max_retry_attempts", 2},
                                        {"backoff_initial_seconds", 0.5},
                                        {"backoff_max_seconds", 4},
                                        {"context", {{"max_turns", 5}, {"max_chars", 300}}}}}});
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.chat.api_base, "https://api.example.com");
  EXPECT_EQ(s.chat.api_keys, (std::vector<std::string>{"k-111111", "k-222222"}));
  EXPECT_EQ(s.chat.model, "m");
  EXPECT_EQ(s.system_prompt, "be nice");
  EXPECT_DOUBLE_EQ(s.temperature, 0.2);
  EXPECT_EQ(s.max_tool_steps, 3);
  EXPECT_EQ(s.tool_timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(s.chat.retry.deadline, std::chrono::milliseconds(7000));
  EXPECT_EQ(s.chat.retry.max_retry_attempts, 2);
  EXPECT_DOUBLE_EQ(s.chat.retry.backoff_initial_seconds, 0.5);
  EXPECT_DOUBLE_EQ(s.chat.retry.backoff_max_seconds, 4);
  EXPECT_EQ(s.max_turns, 5);
  EXPECT_EQ(s.max_chars, 300u);
}

TEST(ResolveApiKeysTest, ReusesThePluginKeysForOpenRouter) {
  const json plugins = {
      {"gemini_pic_gen",
       {{"openrouter_api_keys", {"sk-or-a", "sk-or-b"}}, {"openrouter_api_key", "sk-or-legacy"}}}};
  EXPECT_EQ(resolve_api_keys(
                json{{"llm", {{"api_base", "https://openrouter.ai/api/v1"}, {"api_keys", json::array()}}},
                     {"plugins", plugins}}),
            (std::vector<std::string>{"sk-or-a", "sk-or-b", "sk-or-legacy"}));
  // Any spelling of OpenRouter counts, and "" is OpenRouter.
  EXPECT_EQ(resolve_api_keys(json{{"llm", {{"api_base", "openrouter.ai"}}}, {"plugins", plugins}}).size(),
            3u);
  EXPECT_EQ(resolve_api_keys(json{{"llm", {{"api_base", ""}}}, {"plugins", plugins}}).size(), 3u);
  // Own keys win; another provider never gets the OpenRouter keys.
  EXPECT_EQ(resolve_api_keys(json{{"llm", {{"api_base", "https://openrouter.ai"}, {"api_keys", {"own-key"}}}},
                                  {"plugins", plugins}}),
            (std::vector<std::string>{"own-key"}));
  EXPECT_TRUE(
      resolve_api_keys(json{{"llm", {{"api_base", "https://api.deepseek.com"}}}, {"plugins", plugins}})
          .empty());
  EXPECT_TRUE(resolve_api_keys(json{{"llm", {{"api_base", "https://openrouter.ai"}}}}).empty());
  // The legacy key alone works, without duplicates.
  EXPECT_EQ(resolve_api_keys(
                json{{"llm", {{"api_base", "https://openrouter.ai"}}},
                     {"plugins",
                      {{"gemini_pic_gen",
                        {{"openrouter_api_keys", {"x-123456"}}, {"openrouter_api_key", "x-123456"}}}}}}),
            (std::vector<std::string>{"x-123456"}));
}

}  // namespace
}  // namespace picbot::agent
