#include "bot/agent/session_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace picbot::agent {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SessionStore> open() {
    auto store = SessionStore::open(dir.path() / "agent.sqlite3", clock);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  // Every stored content of every session, read with a separate connection.
  std::vector<std::string> raw_contents() {
    auto db = store::Database::open(dir.path() / "agent.sqlite3");
    EXPECT_TRUE(db);
    std::vector<std::string> out;
    auto& select = (*db)->prepare("SELECT content FROM agent_turns ORDER BY id");
    while (*select.step() == store::Statement::Step::kRow) out.emplace_back(select.column_text(0));
    select.reset();
    return out;
  }

  testing::TempDir dir;
  ManualClock clock;
  const HistoryLimits kRoomy{20, 100000};
};

TEST_F(SessionStoreTest, AppendsLoadsClearsAndSurvivesReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store->append("group:1", {{"user", "a: hi"}, {"assistant", "hello"}}, kRoomy));
    ASSERT_TRUE(store->append("group:2", {{"user", "other"}, {"assistant", "x"}}, kRoomy));
  }
  auto store = open();
  auto loaded = store->load("group:1", kRoomy);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, (std::vector<Turn>{{"user", "a: hi"}, {"assistant", "hello"}}));
  ASSERT_TRUE(store->clear("group:1"));
  EXPECT_TRUE(store->load("group:1", kRoomy)->empty());
  EXPECT_EQ(store->load("group:2", kRoomy)->size(), 2u);
}

TEST_F(SessionStoreTest, TrimsStoredRows) {
  auto store = open();
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(store->append(
        "s", {{"user", "q" + std::to_string(i)}, {"assistant", "a" + std::to_string(i)}}, {2, 1000}));
  }
  EXPECT_EQ(raw_contents(), (std::vector<std::string>{"q4", "a4", "q5", "a5"}));
  // A tighter limit at load time applies too.
  EXPECT_EQ(*store->load("s", {1, 1000}), (std::vector<Turn>{{"user", "q5"}, {"assistant", "a5"}}));
  ASSERT_TRUE(
      store->append("s", {{"user", std::string(50, 'x')}, {"assistant", std::string(50, 'y')}}, {20, 60}));
  EXPECT_TRUE(raw_contents().empty()) << "nothing fits: 100 chars of one exchange exceed 60";
  EXPECT_TRUE(store->load("s", {20, 60})->empty()) << "a lone assistant turn is not a conversation";
}

TEST_F(SessionStoreTest, NeverStoresImageData) {
  auto store = open();
  const std::string base64(4096, 'Q');
  ASSERT_TRUE(store->append("group:1",
                            {{"user", "阿橘: look data:image/png;base64," + base64 + " [图片]"},
                             {"assistant", "nice base64://" + base64}},
                            kRoomy));
  for (const auto& content : raw_contents()) {
    EXPECT_EQ(content.find(base64.substr(0, 64)), std::string::npos) << content.substr(0, 100);
    EXPECT_EQ(content.find("base64"), std::string::npos);
    EXPECT_NE(content.find("[图片]"), std::string::npos);
  }
}

}  // namespace
}  // namespace picbot::agent
