#include "plugins/gemini_pic_gen/quota/quota_admin.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::gemini {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

QuotaConfig config_with_entries() {
  QuotaConfig config;
  config.enabled = true;
  config.default_limit = 5;
  config.reset_interval_minutes = 60;
  config.user_limits = {{300, 20}, {100, -1}};
  config.group_limits = {{777, 8}};
  return config;
}

TEST(QuotaScope, ParsesTheConsoleBody) {
  auto all = QuotaScope::from_json(json{{"scope", "all"}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->kind, QuotaScope::kAll);
  EXPECT_EQ(all->bucket(), "");

  auto user = QuotaScope::from_json(json{{"scope", "user"}, {"id", 42}});
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->bucket(), "user:42");
  auto group = QuotaScope::from_json(json{{"scope", "group"}, {"id", "777"}});
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(group->bucket(), "group:777");
  EXPECT_EQ(group->describe(), "group 777");

  for (const json& bad :
       {json::array(), json{{"scope", "everyone"}}, json{{"scope", 1}}, json{{"scope", "user"}},
        json{{"scope", "group"}, {"id", "abc"}}, json{{"scope", "user"}, {"id", -3}}}) {
    auto parsed = QuotaScope::from_json(bad);
    ASSERT_FALSE(parsed.ok()) << bad.dump();
    EXPECT_EQ(parsed.error().code, "bad_request");
  }
}

TEST(QuotaEntries, ListsConfiguredEntriesAndBucketsWithUsage) {
  const auto start = Clock::time_point(1'700'000'000s);
  const std::vector<BucketUsage> open = {
      {"group:777", start, start + 60min, 3, 1},
      {"group:888", start, start + 60min, 2, 0},  // no longer configured
      {"user:300", start + 1min, start + 61min, 4, 0},
      {"user:42", start + 2min, start + 62min, 7, 0},  // default tier, over the limit after a config change
      {"bogus", start, start + 60min, 1, 0},
  };
  const auto entries = quota_entries(config_with_entries(), open);
  ASSERT_EQ(entries.size(), 5u);

  EXPECT_EQ(entries[0].bucket, "user:42");
  EXPECT_EQ(entries[0].tier, QuotaTier::kDefault);
  EXPECT_EQ(entries[0].limit, 5);
  EXPECT_EQ(entries[0].used, 7);
  EXPECT_EQ(entries[0].remaining, 0);
  EXPECT_EQ(entries[0].window_start, start + 2min);
  EXPECT_EQ(entries[0].resets_at, start + 62min);

  EXPECT_EQ(entries[1].bucket, "user:100");
  EXPECT_EQ(entries[1].tier, QuotaTier::kUser);
  EXPECT_EQ(entries[1].limit, -1);
  EXPECT_EQ(entries[1].remaining, -1);
  EXPECT_EQ(entries[1].used, 0);
  EXPECT_FALSE(entries[1].window_start);
  EXPECT_FALSE(entries[1].resets_at);

  EXPECT_EQ(entries[2].bucket, "user:300");
  EXPECT_EQ(entries[2].tier, QuotaTier::kUser);
  EXPECT_EQ(entries[2].id, 300);
  EXPECT_EQ(entries[2].limit, 20);
  EXPECT_EQ(entries[2].used, 4);
  EXPECT_EQ(entries[2].remaining, 16);

  EXPECT_EQ(entries[3].bucket, "group:777");
  EXPECT_EQ(entries[3].tier, QuotaTier::kGroup);
  EXPECT_EQ(entries[3].used, 4) << "live reservations count";
  EXPECT_EQ(entries[3].remaining, 4);

  EXPECT_EQ(entries[4].bucket, "group:888");
  EXPECT_EQ(entries[4].tier, QuotaTier::kUnconfigured);
  EXPECT_FALSE(entries[4].limit);
  EXPECT_FALSE(entries[4].remaining);
  EXPECT_EQ(entries[4].used, 2);
}

class QuotaAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = QuotaStore::open(dir_.path() / "quota.sqlite3", clock_);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::make_unique<AsyncQuotaStore>(pool_, std::move(*opened));
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), 10s);
  }

  void use(std::int64_t user, std::int64_t group) {
    const QuotaDecision decision = resolve(config_, user, group, false);
    auto reserved = run(store_->try_reserve(decision, 60min));
    ASSERT_TRUE(reserved.ok() && reserved->granted);
    ASSERT_TRUE(run(store_->commit(reserved->reservation_id)).ok());
  }

  std::map<std::string, std::int64_t> used_by_bucket() {
    auto listed = run(list_quotas(*store_, config_));
    EXPECT_TRUE(listed.ok());
    std::map<std::string, std::int64_t> out;
    if (listed.ok()) {
      for (const auto& entry : *listed) out[entry.bucket] = entry.used;
    }
    return out;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool pool_{1};
  QuotaConfig config_ = config_with_entries();
  std::unique_ptr<AsyncQuotaStore> store_;
};

TEST_F(QuotaAdminTest, ListsTheStoreAndResetsEachScope) {
  use(42, 0);     // default tier, private chat
  use(42, 777);   // the group pool
  use(300, 777);  // user_limits wins over the group
  use(43, 555);   // default tier in an unconfigured group
  EXPECT_EQ(used_by_bucket(),
            (std::map<std::string, std::int64_t>{
                {"user:42", 1}, {"user:43", 1}, {"user:100", 0}, {"user:300", 1}, {"group:777", 1}}));

  ASSERT_TRUE(run(reset_quotas(*store_, QuotaScope::user(42), "test")).ok());
  EXPECT_EQ(used_by_bucket()["user:42"], 0);
  EXPECT_EQ(used_by_bucket()["group:777"], 1) << "a user reset leaves the group pool";

  ASSERT_TRUE(run(reset_quotas(*store_, QuotaScope::group(777), "test")).ok());
  EXPECT_EQ(used_by_bucket()["group:777"], 0);
  EXPECT_EQ(used_by_bucket()["user:300"], 1);

  ASSERT_TRUE(run(reset_quotas(*store_, QuotaScope::all(), "test")).ok());
  EXPECT_EQ(used_by_bucket(),
            (std::map<std::string, std::int64_t>{{"user:100", 0}, {"user:300", 0}, {"group:777", 0}}));
}

TEST_F(QuotaAdminTest, WindowsEndAtTheResetInterval) {
  use(42, 0);
  auto listed = run(list_quotas(*store_, config_));
  ASSERT_TRUE(listed.ok());
  const auto it =
      std::find_if(listed->begin(), listed->end(), [](const QuotaEntry& e) { return e.id == 42; });
  ASSERT_NE(it, listed->end());
  EXPECT_EQ(it->window_start, clock_.now());
  EXPECT_EQ(it->resets_at, clock_.now() + 60min);
  clock_.advance(60min);
  EXPECT_EQ(used_by_bucket().count("user:42"), 0u) << "an ended window is no longer listed";
}

}  // namespace
}  // namespace picbot::gemini
