#include "bot/llm/api_base.h"

#include <gtest/gtest.h>

namespace picbot::llm {
namespace {

TEST(ApiBaseTest, NormalizeTable) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"", "https://openrouter.ai/api/v1"},
      {"   ", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/api", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/api/", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/api/v1/", "https://openrouter.ai/api/v1"},
      {"https://openrouter.ai/api/v1/chat/completions", "https://openrouter.ai/api/v1"},
      {"openrouter.ai/api/v1", "https://openrouter.ai/api/v1"},
      {"https://my-proxy.example.com", "https://my-proxy.example.com/v1"},
      {"https://my-proxy.example.com/", "https://my-proxy.example.com/v1"},
      {"https://my-proxy.example.com/v1", "https://my-proxy.example.com/v1"},
      {"https://my-proxy.example.com/v1/", "https://my-proxy.example.com/v1"},
      {"https://my-proxy.example.com/openrouter", "https://my-proxy.example.com/openrouter/v1"},
      {"http://127.0.0.1:8080", "http://127.0.0.1:8080/v1"},
      {"http://127.0.0.1:8080/api/v1", "http://127.0.0.1:8080/api/v1"},
      {"https://notopenrouter.ai", "https://notopenrouter.ai/v1"},
      {"https://eu.openrouter.ai", "https://eu.openrouter.ai/api/v1"},
      {"https://example.com/v1beta", "https://example.com/v1beta"},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(normalize_api_base(input), expected) << input;
}

TEST(ApiBaseTest, ChatCompletionsUrl) {
  EXPECT_EQ(chat_completions_url(""), "https://openrouter.ai/api/v1/chat/completions");
  EXPECT_EQ(chat_completions_url("https://openrouter.ai/api/v1/"),
            "https://openrouter.ai/api/v1/chat/completions");
}

}  // namespace
}  // namespace picbot::llm
