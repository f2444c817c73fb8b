#include "image/providers/openrouter/openrouter_settings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace picbot::image {
namespace {

using nlohmann::json;

TEST(OpenRouterSettingsTest, Defaults) {
  auto settings = openrouter_settings_from_config(json::object());
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->model_name, "google/gemini-2.5-flash-image");
  EXPECT_EQ(settings->max_retry_attempts, 3);
  EXPECT_EQ(settings->request_timeout_seconds, 180);
  EXPECT_EQ(settings->http_referer, "https://github.com/picbot");
  EXPECT_EQ(settings->app_title, "picbot");
  EXPECT_FALSE(settings->aspect_ratio);
  auto retry = settings->retry_settings();
  EXPECT_EQ(retry.deadline, std::chrono::milliseconds(180'000));
  EXPECT_EQ(retry.backoff_initial_seconds, 2);
  EXPECT_EQ(retry.backoff_max_seconds, 10);
}

TEST(OpenRouterSettingsTest, OriginalKeysAndLegacySingleKey) {
  auto settings = openrouter_settings_from_config(json{
      {"openrouter_api_keys", {"sk-or-v1-aaaaaaaaaaaa", "sk-or-v1-bbbbbbbbbbbb"}},
      {"openrouter_api_key", "sk-or-v1-cccccccccccc"},
      {"custom_api_base", "https://openrouter.ai/api/v1"},
      {"max_retry_attempts", 5},
      {"backoff_initial_seconds", 0.5},
      {"proxy", "socks5h://127.0.0.1:1080"},
      {"aspect_ratio", "16:9"},
      {"nap_server_address", "localhost"},  // other plugin keys are not ours to judge
  });
  ASSERT_TRUE(settings.ok()) << settings.error().to_string();
  EXPECT_EQ(settings->api_keys, (std::vector<std::string>{"sk-or-v1-aaaaaaaaaaaa", "sk-or-v1-bbbbbbbbbbbb",
                                                          "sk-or-v1-cccccccccccc"}));
  EXPECT_EQ(settings->max_retry_attempts, 5);
  EXPECT_EQ(settings->backoff_initial_seconds, 0.5);
  EXPECT_EQ(settings->proxy, "socks5h://127.0.0.1:1080");
  EXPECT_EQ(settings->aspect_ratio, "16:9");

  auto duplicate = openrouter_settings_from_config(json{{"openrouter_api_keys", {"sk-or-v1-aaaaaaaaaaaa"}},
                                                        {"openrouter_api_key", "sk-or-v1-aaaaaaaaaaaa"}});
  EXPECT_EQ(duplicate->api_keys.size(), 1u);
}

TEST(OpenRouterSettingsTest, WithdrawnPreviewModelIsUpgraded) {
  auto settings =
      openrouter_settings_from_config(json{{"model_name", "google/gemini-2.5-flash-image-preview:free"}});
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->model_name, "google/gemini-2.5-flash-image");
}

TEST(OpenRouterSettingsTest, BadValuesNameTheKey) {
  auto wrong_type = openrouter_settings_from_config(json{{"max_retry_attempts", "three"}});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code, "bad_config");
  EXPECT_NE(wrong_type.error().message.find("max_retry_attempts"), std::string::npos);

  auto out_of_range = openrouter_settings_from_config(json{{"max_retry_attempts", 0}});
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.error().message.find("max_retry_attempts"), std::string::npos);

  auto bad_ratio = openrouter_settings_from_config(json{{"aspect_ratio", "7:3"}});
  ASSERT_FALSE(bad_ratio.ok());
  EXPECT_NE(bad_ratio.error().message.find("aspect_ratio"), std::string::npos);

  EXPECT_FALSE(openrouter_settings_from_config(json{{"openrouter_api_keys", "sk-single"}}).ok());
  EXPECT_FALSE(openrouter_settings_from_config(json::array()).ok());
}

}  // namespace
}  // namespace picbot::image
