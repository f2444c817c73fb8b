// Crash durability: kill -9 the real binary at random points while it draws
// (quotas on) and while it saves its config, restart it each time, and check
// that nothing is lost or half-written. The kill points come from a seeded
// generator: PICBOT_TEST_SEED=<n> reproduces a run (the seed is printed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "bot/store/database.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/paths.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
using Script = FakeOpenRouter::Script;

constexpr char kKey[] = "sk-or-v1-crash-key-dddddddddddd4444";

std::uint64_t test_seed() {
  std::uint64_t seed = std::random_device{}();
  if (const char* given = std::getenv("PICBOT_TEST_SEED"); given != nullptr && *given != '\0') {
    seed = std::strtoull(given, nullptr, 10);
  }
  std::cout << "PICBOT_TEST_SEED=" << seed << " (set it to reproduce this run)" << std::endl;
  ::testing::Test::RecordProperty("PICBOT_TEST_SEED", std::to_string(seed));
  return seed;
}

std::string plugin_config(const FakeOpenRouter& openrouter) {
  return gemini_plugin_section({kKey}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n"
                               "    acknowledge: false\n"
                               "    max_concurrent_generations: 4\n"
                               "    rate_limit:\n"
                               "      enabled: true\n"
                               "      default_limit: 1000\n");
}

// Users (from "user:<id>" buckets) with a row in the given state.
std::set<std::int64_t> users_with(store::Database& db, const char* where) {
  auto& statement = db.prepare(std::string("SELECT bucket FROM quota_uses WHERE ") + where);
  std::set<std::int64_t> users;
  for (auto row = statement.step(); row.ok() && *row == store::Statement::Step::kRow;
       row = statement.step()) {
    const std::string bucket(statement.column_text(0));
    if (bucket.starts_with("user:")) users.insert(std::stoll(bucket.substr(5)));
  }
  statement.reset();
  return users;
}

std::int64_t count_rows(store::Database& db, const char* sql) {
  auto& statement = db.prepare(sql);
  auto row = statement.step();
  const std::int64_t n = row.ok() && *row == store::Statement::Step::kRow ? statement.column_int64(0) : -1;
  statement.reset();
  return n;
}

// N /draw requests from fresh users per run; each run is killed with -9 after
// a random number of delivered images plus a random few milliseconds, so the
// kill lands in every stage (queue, generation, saving, sending, commit).
//
// A run killed after it recorded "being sent" may or may not have got the
// frame out. The restart asks NapCat's history (get_friend_msg_history) and
// charges only the images that are there, so the counts must end exactly
// equal to the images users got: an image delivered but not charged, a charge
// without an image, or any reservation still open after the last restart
// fails the test.
TEST(CrashDurability, KillNineDuringDrawsKeepsCommittedCountsEqualToDeliveredImages) {
  std::mt19937_64 random(test_seed());
  FakeOpenRouter openrouter;
  openrouter.set_default(Script::kSlow, FakeOpenRouter::Options{.delay = 15ms});
  FakeNapCat napcat;  // its default send handlers keep the history the restart reads
  auto delivered = [&] {
    std::map<std::int64_t, int> images;  // per user, as NapCat saw them
    for (const ApiCall& c : napcat.calls()) {
      if (c.action == "send_private_msg" && has_image(message_of(c)))
        ++images[json_id(c.params["user_id"]).value_or(0)];
    }
    return images;
  };
  auto delivered_total = [&] {
    int total = 0;
    for (const auto& [user, images] : delivered()) total += images;
    return total;
  };

  PicbotRunner bot(reverse_config(kTestToken) + plugin_config(openrouter));
  constexpr int kKills = 5;
  constexpr int kDrawsPerRun = 12;
  std::size_t sending_at_kills = 0;
  for (int run = 0; run < kKills; ++run) {
    ASSERT_TRUE(bot.start()) << "run " << run;
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok());
    const int before = delivered_total();
    for (int i = 0; i < kDrawsPerRun; ++i) {
      napcat.send_private_message(*conn, 10'000 + run * 100 + i, "/draw crash " + std::to_string(i));
    }
    // A random point: after 0..kDrawsPerRun-2 deliveries, then 0-20 ms more.
    const int after = std::uniform_int_distribution<int>(0, kDrawsPerRun - 2)(random);
    ASSERT_TRUE(wait_until([&] { return delivered_total() >= before + after; }, 20s))
        << bot.process().output();
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 20'000)(random)));
    bot.process().kill9();
    ASSERT_TRUE(bot.process().wait_exit(5s).has_value());
    {
      auto dead = store::Database::open(bot.dir() / "data" / "quota.sqlite3");
      ASSERT_TRUE(dead.ok());
      sending_at_kills += users_with(**dead, "committed = 2").size();
    }
    std::cout << "run " << run << ": killed after " << delivered_total() - before << " image(s)" << std::endl;
  }

  // The last restart settles what the killed runs left once NapCat is back.
  ASSERT_TRUE(bot.start());
  ASSERT_TRUE(napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken).ok());
  auto db = store::Database::open(bot.dir() / "data" / "quota.sqlite3");
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE(wait_until(
      [&] { return count_rows(**db, "SELECT COUNT(*) FROM quota_uses WHERE committed <> 1") == 0; }, 30s))
      << "a dangling reservation still counts\n"
      << bot.process().output();
  const std::set<std::int64_t> charged = users_with(**db, "committed = 1");
  const std::map<std::int64_t, int> images = delivered();
  for (const auto& [user, count] : images) {
    EXPECT_EQ(count, 1) << "user " << user << " got the image twice";
    EXPECT_TRUE(charged.count(user)) << "user " << user << " got an image that is not counted";
  }
  for (const std::int64_t user : charged) {
    EXPECT_TRUE(images.count(user)) << "user " << user << " is charged but got no image";
  }
  std::cout << charged.size() << " charged, " << images.size() << " users got an image; " << sending_at_kills
            << " unit(s) were being sent at a kill and were settled from the chat history" << std::endl;
}

// A kill in the middle of `/banana model ... save` (the config save path)
// never leaves a half-written config, and the next start removes the
// temporary files such a kill can leave.
TEST(CrashDurability, KillNineDuringConfigSavesNeverLeavesAHalfWrittenFile) {
  std::mt19937_64 random(test_seed());
  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  PicbotRunner bot(reverse_config(kTestToken) + plugin_config(openrouter));
  constexpr int kKills = 5;
  for (int run = 0; run < kKills; ++run) {
    // A temporary file as a kill during the write would leave it.
    const auto planted = bot.config_path().parent_path() / ".picbot.yaml.tmp-Ab12Cd";
    std::ofstream(planted) << "onebot:\n  mode: rev";
    ASSERT_TRUE(bot.start()) << "run " << run;
    EXPECT_FALSE(std::filesystem::exists(planted)) << "leftover temp file not cleaned at start";
    auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    ASSERT_TRUE(conn.ok());
    const std::size_t skip = napcat.calls().size();
    constexpr int kSaves = 30;
    for (int i = 0; i < kSaves; ++i) {
      napcat.send_private_message(
          *conn, 1, "/banana model vendor/model-" + std::to_string(run) + "-" + std::to_string(i) + " save");
    }
    const int after = std::uniform_int_distribution<int>(0, kSaves - 1)(random);
    // A random point: after `after` saves were answered, then 0-3 ms more.
    ASSERT_TRUE(wait_until([&] { return napcat.calls().size() >= skip + after; }, 10s))
        << bot.process().output();
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3'000)(random)));
    bot.process().kill9();
    ASSERT_TRUE(bot.process().wait_exit(5s).has_value());

    // The file parses and validates as a whole.
    auto check = ChildProcess::start(
        {picbot_binary().string(), "--check-config", "--config", bot.config_path().string()});
    ASSERT_TRUE(check.ok());
    EXPECT_EQ((*check)->wait_exit(5s), 0) << "run " << run << ": the config is damaged\n"
                                          << (*check)->output();
    std::ifstream in(bot.config_path());
    std::stringstream text;
    text << in.rdbuf();
    // A save answered before the kill is in the file; a kill before the
    // first run's first answer may come before any save (model_name absent).
    if (run > 0 || after > 0) {
      EXPECT_NE(text.str().find("model_name"), std::string::npos)
          << "run " << run << ": a saved model is lost\n"
          << text.str();
    }
    EXPECT_NE(text.str().find(kKey), std::string::npos) << "the keys survive every save";
  }
  ASSERT_TRUE(bot.start());
}

}  // namespace
}  // namespace picbot::testing
