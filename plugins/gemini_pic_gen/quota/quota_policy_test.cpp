#include "plugins/gemini_pic_gen/quota/quota_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>

namespace picbot::gemini {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr std::int64_t kListedUser = 1;
constexpr std::int64_t kOtherUser = 2;
constexpr std::int64_t kListedGroup = 100;
constexpr std::int64_t kOtherGroup = 200;
constexpr std::int64_t kPrivate = 0;

QuotaConfig config_with(std::optional<std::int64_t> user_limit, std::int64_t group_limit,
                        std::int64_t default_limit, bool exempt_admins = true) {
  QuotaConfig config;
  config.enabled = true;
  config.default_limit = default_limit;
  if (user_limit) config.user_limits = {{kListedUser, *user_limit}};
  config.group_limits = {{kListedGroup, group_limit}};
  config.exempt_admins = exempt_admins;
  return config;
}

void expect_decision(const QuotaDecision& d, QuotaDecision::Kind kind, const std::string& bucket,
                     std::int64_t limit, const std::string& tier) {
  EXPECT_EQ(d.kind, kind);
  EXPECT_EQ(d.bucket, bucket);
  EXPECT_EQ(d.limit, limit);
  EXPECT_EQ(tier_name(d.tier), tier);
}

TEST(QuotaPolicyTest, UserEntryWinsEverywhereWithTheUsersOwnBucket) {
  QuotaConfig config = config_with(5, 7, 3);
  for (std::int64_t chat : {kPrivate, kListedGroup, kOtherGroup}) {
    SCOPED_TRACE(chat);
    expect_decision(resolve(config, kListedUser, chat, false), QuotaDecision::kCounted, "user:1", 5, "user");
  }
}

TEST(QuotaPolicyTest, GroupEntrySharesOnePoolForTheWholeGroup) {
  QuotaConfig config = config_with(5, 7, 3);
  expect_decision(resolve(config, kOtherUser, kListedGroup, false), QuotaDecision::kCounted, "group:100", 7,
                  "group");
  expect_decision(resolve(config, 3, kListedGroup, false), QuotaDecision::kCounted, "group:100", 7, "group");
}

TEST(QuotaPolicyTest, DefaultCountsPerUserInPrivateAndUnlistedGroups) {
  QuotaConfig config = config_with(5, 7, 3);
  expect_decision(resolve(config, kOtherUser, kPrivate, false), QuotaDecision::kCounted, "user:2", 3,
                  "default");
  expect_decision(resolve(config, kOtherUser, kOtherGroup, false), QuotaDecision::kCounted, "user:2", 3,
                  "default");
}

TEST(QuotaPolicyTest, ZeroBlocksAndMinusOneIsUnlimitedInEveryTier) {
  expect_decision(resolve(config_with(0, 7, 3), kListedUser, kListedGroup, false), QuotaDecision::kBlocked,
                  "user:1", 0, "user");
  expect_decision(resolve(config_with(-1, 7, 3), kListedUser, kListedGroup, false), QuotaDecision::kUnlimited,
                  "user:1", -1, "user");
  expect_decision(resolve(config_with(5, 0, 3), kOtherUser, kListedGroup, false), QuotaDecision::kBlocked,
                  "group:100", 0, "group");
  expect_decision(resolve(config_with(5, -1, 3), kOtherUser, kListedGroup, false), QuotaDecision::kUnlimited,
                  "group:100", -1, "group");
  expect_decision(resolve(config_with(5, 7, 0), kOtherUser, kPrivate, false), QuotaDecision::kBlocked,
                  "user:2", 0, "default");
  expect_decision(resolve(config_with(5, 7, -1), kOtherUser, kPrivate, false), QuotaDecision::kUnlimited,
                  "user:2", -1, "default");
}

TEST(QuotaPolicyTest, UnlimitedUserEntryOverridesABlockedGroup) {
  expect_decision(resolve(config_with(-1, 0, 0), kListedUser, kListedGroup, false), QuotaDecision::kUnlimited,
                  "user:1", -1, "user");
}

TEST(QuotaPolicyTest, AdminsAreExemptOnlyWhenConfigured) {
  expect_decision(resolve(config_with(0, 0, 0, true), kListedUser, kListedGroup, true),
                  QuotaDecision::kUnlimited, "user:1", -1, "admin");
  expect_decision(resolve(config_with(0, 0, 0, false), kListedUser, kListedGroup, true),
                  QuotaDecision::kBlocked, "user:1", 0, "user");
  expect_decision(resolve(config_with(5, 7, 3, false), kOtherUser, kListedGroup, true),
                  QuotaDecision::kCounted, "group:100", 7, "group");
}

TEST(QuotaPolicyTest, DisabledQuotasAreUnlimitedForEveryone) {
  QuotaConfig config = config_with(0, 0, 0, false);
  config.enabled = false;
  expect_decision(resolve(config, kListedUser, kListedGroup, false), QuotaDecision::kUnlimited, "user:1", -1,
                  "disabled");
}

// Every combination of tier entries, limit kinds, chat kinds and admin
// settings against the rule: admin exemption, then user, group, default.
TEST(QuotaPolicyTest, EveryCombinationFollowsFirstMatchWins) {
  const std::vector<std::optional<std::int64_t>> user_entries = {std::nullopt, 5, 0, -1};
  const std::vector<std::int64_t> limits = {7, 0, -1};
  int checked = 0;
  for (const auto& user_entry : user_entries) {
    for (std::int64_t group_limit : limits) {
      for (std::int64_t default_limit : limits) {
        for (std::int64_t chat : {kPrivate, kListedGroup, kOtherGroup}) {
          for (bool is_admin : {false, true}) {
            for (bool exempt : {false, true}) {
              SCOPED_TRACE(::testing::Message()
                           << "user_entry=" << user_entry.value_or(99) << " group_limit=" << group_limit
                           << " default=" << default_limit << " chat=" << chat << " admin=" << is_admin
                           << " exempt=" << exempt);
              QuotaConfig config = config_with(user_entry, group_limit, default_limit, exempt);
              QuotaDecision d = resolve(config, kListedUser, chat, is_admin);
              std::string bucket = "user:1";
              std::string tier = "default";
              std::int64_t limit = default_limit;
              if (is_admin && exempt) {
                tier = "admin";
                limit = -1;
              } else if (user_entry) {
                tier = "user";
                limit = *user_entry;
              } else if (chat == kListedGroup) {
                bucket = "group:100";
                tier = "group";
                limit = group_limit;
              }
              QuotaDecision::Kind kind = limit == 0  ? QuotaDecision::kBlocked
                                         : limit < 0 ? QuotaDecision::kUnlimited
                                                     : QuotaDecision::kCounted;
              expect_decision(d, kind, bucket, limit, tier);
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 4 * 3 * 3 * 3 * 2 * 2);
}

TEST(QuotaConfigTest, ReadsTheOriginalPluginKeys) {
  json section = json::parse(R"({
    "enabled": true, "default_limit": 4, "reset_interval_minutes": 60,
    "group_limits": [{"group_id": 100, "limit": 20}, {"group_id": "200", "limit": 0}],
    "user_limits": [{"user_id": 1, "limit": -1}],
    "exempt_admins": false
  })");
  Result<QuotaConfig> config = QuotaConfig::from_json(section);
  ASSERT_TRUE(config.ok()) << config.error().to_string();
  EXPECT_TRUE(config->enabled);
  EXPECT_EQ(config->default_limit, 4);
  EXPECT_EQ(config->reset_interval_minutes, 60);
  using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  EXPECT_EQ(config->group_limits, (Pairs{{100, 20}, {200, 0}}));
  EXPECT_EQ(config->user_limits, (Pairs{{1, -1}}));
  EXPECT_FALSE(config->exempt_admins);
}

TEST(QuotaConfigTest, MissingKeysKeepTheDefaults) {
  for (const json& section : {json(), json::object()}) {
    Result<QuotaConfig> config = QuotaConfig::from_json(section);
    ASSERT_TRUE(config.ok());
    EXPECT_FALSE(config->enabled);
    EXPECT_EQ(config->default_limit, 10);
    EXPECT_EQ(config->reset_interval_minutes, 1440);
    EXPECT_TRUE(config->group_limits.empty());
    EXPECT_TRUE(config->user_limits.empty());
    EXPECT_TRUE(config->exempt_admins);
  }
}

TEST(QuotaConfigTest, BadValuesNameTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"([])", "rate_limit: must be an object"},
      {R"({"enabled": "yes"})", "rate_limit.enabled: must be true or false"},
      {R"({"default_limit": -2})", "rate_limit.default_limit: must be >= -1"},
      {R"({"default_limit": 1.5})", "rate_limit.default_limit: must be an integer"},
      {R"({"reset_interval_minutes": 0})", "rate_limit.reset_interval_minutes: must be >= 1"},
      {R"({"group_limits": {}})", "rate_limit.group_limits: must be a list"},
      {R"({"group_limits": [5]})", "rate_limit.group_limits[0]: must be an object"},
      {R"({"user_limits": [{"limit": 1}]})", "rate_limit.user_limits[0]: missing user_id"},
      {R"({"user_limits": [{"user_id": 1}]})", "rate_limit.user_limits[0]: missing limit"},
      {R"({"user_limits": [{"user_id": "abc", "limit": 1}]})", "rate_limit.user_limits[0].user_id: must be"},
      {R"({"user_limits": [{"user_id": 1, "limit": -5}]})", "rate_limit.user_limits[0].limit: must be >= -1"},
      {R"({"group_limits": [{"group_id": 1, "limit": 1}, {"group_id": "1", "limit": 2}]})",
       "rate_limit.group_limits[1].group_id: 1 is listed twice"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    Result<QuotaConfig> config = QuotaConfig::from_json(json::parse(text));
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, "bad_config");
    EXPECT_THAT(config.error().message, HasSubstr(message));
  }
}

// The console shows these words and looks up "gemini.console.tier_<name>".
TEST(QuotaTierTest, NamesAreTheConsolesWords) {
  EXPECT_EQ(tier_name(QuotaTier::kDisabled), "disabled");
  EXPECT_EQ(tier_name(QuotaTier::kAdmin), "admin");
  EXPECT_EQ(tier_name(QuotaTier::kUser), "user");
  EXPECT_EQ(tier_name(QuotaTier::kGroup), "group");
  EXPECT_EQ(tier_name(QuotaTier::kDefault), "default");
  EXPECT_EQ(tier_name(QuotaTier::kUnconfigured), "unconfigured");
}

}  // namespace
}  // namespace picbot::gemini
