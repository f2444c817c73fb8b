// Fault injection against the real binary: the NapCat link dropping during a
// /ping flood and during image sends (both directions), the whole fake
// OpenRouter failure matrix at once, an unwritable image directory and a
// locked quota database. See docs/reliability.md, "Fault injection".
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>

#include "bot/store/database.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
using Script = FakeOpenRouter::Script;

constexpr char kKey[] = "sk-or-v1-fault-key-cccccccccccc3333";
constexpr int kDrops = 100;

std::string fast_reconnect(std::string yaml) {
  return with_onebot_keys(std::move(yaml),
                          "  reconnect_initial_seconds: 0.005\n  reconnect_max_seconds: 0.02\n");
}

std::string plugin_config(const FakeOpenRouter& openrouter, const std::string& extra = "") {
  return gemini_plugin_section({kKey}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n"
                               "    backoff_initial_seconds: 0.01\n"
                               "    backoff_max_seconds: 0.02\n"
                               "    acknowledge: false\n"
                               "    allow_private_network: true\n" +
                                   extra);
}

std::int64_t target_user(const ApiCall& c) { return json_id(c.params.value("user_id", json())).value_or(0); }

bool is_private_to(const ApiCall& c, std::int64_t user) {
  return c.action == "send_private_msg" && target_user(c) == user;
}

// NapCat takes the call and never answers it.
ApiReply no_answer() {
  ApiReply reply;
  reply.no_reply = true;
  return reply;
}

// Counts lines of picbot's output matching regex.
std::size_t count_lines(PicbotRunner& bot, const std::string& regex) {
  const std::regex re(regex);
  std::size_t n = 0;
  for (const auto& line : bot.process().lines()) n += std::regex_search(line, re);
  return n;
}

// Replies (send_private_msg) seen by the fake, per user, and the users whose
// replies were held back. Used as the fake's send_private_msg handler.
class ReplyLedger {
 public:
  // Users in `hold` get no answer (the call stays pending on the bot's side).
  ApiReply handle(const ApiCall& call) {
    std::lock_guard lock(mu_);
    const std::int64_t user = target_user(call);
    if (hold_.count(user)) return no_answer();
    ++replies_[user];
    if (has_image(message_of(call))) ++images_[user];
    return ApiReply::ok(json{{"message_id", ++serial_}});
  }
  void hold(std::int64_t user) {
    std::lock_guard lock(mu_);
    hold_.insert(user);
  }
  void release(std::int64_t user) {
    std::lock_guard lock(mu_);
    hold_.erase(user);
  }
  int replies(std::int64_t user) const {
    std::lock_guard lock(mu_);
    auto it = replies_.find(user);
    return it == replies_.end() ? 0 : it->second;
  }
  int images(std::int64_t user) const {
    std::lock_guard lock(mu_);
    auto it = images_.find(user);
    return it == images_.end() ? 0 : it->second;
  }
  std::map<std::int64_t, int> all_replies() const {
    std::lock_guard lock(mu_);
    return replies_;
  }
  int total_images() const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [user, count] : images_) n += count;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::int64_t> hold_;
  std::map<std::int64_t, int> replies_;
  std::map<std::int64_t, int> images_;
  std::int64_t serial_ = 50'000;
};

// The quota database, read from the test: committed uses and reservations
// still open (uncommitted rows of any state).
struct QuotaRows {
  std::int64_t committed = -1;
  std::int64_t open = -1;
};

QuotaRows quota_rows(const std::filesystem::path& file) {
  QuotaRows rows;
  auto db = store::Database::open(file);
  if (!db) {
    ADD_FAILURE() << "cannot open " << file << ": " << db.error().message;
    return rows;
  }
  auto& committed = (*db)->prepare("SELECT COUNT(*) FROM quota_uses WHERE committed = 1");
  if (committed.step().ok()) rows.committed = committed.column_int64(0);
  committed.reset();
  auto& open = (*db)->prepare("SELECT COUNT(*) FROM quota_uses WHERE committed <> 1");
  if (open.step().ok()) rows.open = open.column_int64(0);
  open.reset();
  return rows;
}

// ---- Link drops during a /ping flood ----------------------------------------

// One round: a sentinel /ping that must be answered (the link works), then a
// flood of 5 pings from fresh users, the first of whose reply NapCat never
// answers, then the drop while that call is pending. `reconnect` returns the
// next connection.
void ping_flood_with_drops(PicbotRunner& bot, FakeNapCat& napcat, ReplyLedger& ledger, int conn,
                           const std::function<int(int)>& reconnect) {
  const auto begin = std::chrono::steady_clock::now();
  std::size_t held = 0;
  for (int round = 0; round < kDrops; ++round) {
    const std::int64_t sentinel = 1'000'000 + round;
    const std::size_t skip = napcat.calls().size();
    napcat.send_private_message(conn, sentinel, "/ping");
    ASSERT_TRUE(napcat.wait_for_call([&](const ApiCall& c) { return is_private_to(c, sentinel); }, 5s, skip))
        << "round " << round << ": no pong after the reconnect\n"
        << bot.process().output();
    const std::int64_t first = 2'000'000 + round * 10;
    ledger.hold(first);
    for (int i = 0; i < 5; ++i) napcat.send_private_message(conn, first + i, "/ping");
    // The held reply is pending in the bot when the link goes.
    ASSERT_TRUE(napcat.wait_for_call([&](const ApiCall& c) { return is_private_to(c, first); }, 5s, skip));
    ++held;
    napcat.drop(conn);
    conn = reconnect(conn);
    ASSERT_GT(conn, 0) << "round " << round << ": no new connection\n" << bot.process().output();
  }
  // Every held call failed at once with "connection closed", none by timeout
  // (onebot.api_timeout_seconds is 60; the whole test takes seconds).
  EXPECT_TRUE(wait_until(
      [&] {
        return count_lines(bot,
                           R"(send_private_msg on account 10001 failed: link closed.*connection closed)") >=
               held;
      },
      5s))
      << bot.process().output();
  EXPECT_EQ(count_lines(bot, "got no answer within"), 0u);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 60s);
  for (const auto& [user, count] : ledger.all_replies())
    EXPECT_LE(count, 1) << "user " << user << " got a duplicate";
  EXPECT_TRUE(bot.process().running());
}

// LONG: 100 drops, 7-11 s.
TEST(LinkDrops, ReversePingFloodSurvivesHundredDrops) {
  PicbotRunner bot(with_onebot_keys(reverse_config(kTestToken), "  api_timeout_seconds: 60\n"));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  ReplyLedger ledger;
  napcat.set_handler("send_private_msg", [&](const ApiCall& c) { return ledger.handle(c); });
  auto connect = [&](int) {
    auto c = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    return c.ok() ? *c : -1;
  };
  ping_flood_with_drops(bot, napcat, ledger, connect(0), connect);
  EXPECT_GE(count_lines(bot, R"(link #\d+ closed)"), static_cast<std::size_t>(kDrops));
}

// Forward mode: picbot reconnects by itself (backoff 5-20 ms here).
// LONG: 100 drops, 7-11 s.
TEST(LinkDrops, ForwardPingFloodSurvivesHundredDrops) {
  FakeNapCat napcat(FakeNapCat::Options{.token = kTestToken});
  const auto port = napcat.listen();
  PicbotRunner bot(
      with_onebot_keys(fast_reconnect(forward_config(port, kTestToken)), "  api_timeout_seconds: 60\n"));
  ReplyLedger ledger;
  napcat.set_handler("send_private_msg", [&](const ApiCall& c) { return ledger.handle(c); });
  ASSERT_TRUE(bot.start());
  const int first = wait_for_new_connection(napcat, 0);
  ASSERT_GT(first, 0);
  ping_flood_with_drops(bot, napcat, ledger, first,
                        [&](int previous) { return wait_for_new_connection(napcat, previous); });
  EXPECT_GE(count_lines(bot, "forward WS: reconnecting to"), static_cast<std::size_t>(kDrops));
}

// ---- Link drops during image sends ------------------------------------------

// Each round: /draw from a fresh user; NapCat takes the image but never
// answers, the link drops, and after the reconnect the bot sends the image
// once more, which is answered. Every user ends with exactly one image, and
// every image was generated once.
void image_sends_with_drops(PicbotRunner& bot, FakeNapCat& napcat, FakeOpenRouter& openrouter, int conn,
                            const std::function<int(int)>& reconnect) {
  std::mutex mu;
  std::set<std::int64_t> swallowed;
  std::map<std::int64_t, int> delivered;
  std::map<std::int64_t, std::string> delivered_bytes;
  napcat.set_handler("send_private_msg", [&](const ApiCall& c) {
    std::lock_guard lock(mu);
    const std::int64_t user = target_user(c);
    if (has_image(message_of(c))) {
      if (swallowed.insert(user).second) return no_answer();
      ++delivered[user];
      delivered_bytes[user] = image_bytes_of(message_of(c)).value_or("");
    }
    return ApiReply::ok(json{{"message_id", 1}});
  });
  auto images_of = [&](std::int64_t user) {
    std::lock_guard lock(mu);
    return delivered[user];
  };
  for (int round = 0; round < kDrops; ++round) {
    const std::int64_t user = 5000 + round;
    const std::size_t skip = napcat.calls().size();
    napcat.send_private_message(conn, user, "/draw cat " + std::to_string(round));
    ASSERT_TRUE(napcat.wait_for_call(
        [&](const ApiCall& c) { return is_private_to(c, user) && has_image(message_of(c)); }, 10s, skip))
        << "round " << round << "\n"
        << bot.process().output();
    napcat.drop(conn);
    conn = reconnect(conn);
    ASSERT_GT(conn, 0) << "round " << round;
    ASSERT_TRUE(wait_until([&] { return images_of(user) == 1; }, 10s))
        << "round " << round << ": the image was not resent after the reconnect\n"
        << bot.process().output();
    std::lock_guard lock(mu);
    EXPECT_EQ(delivered_bytes[user], openrouter.served_images().at(round))
        << "round " << round << ": not the same image";
  }
  EXPECT_EQ(openrouter.call_count(), static_cast<std::size_t>(kDrops)) << "an image was generated twice";
  std::lock_guard lock(mu);
  for (const auto& [user, count] : delivered) EXPECT_EQ(count, 1) << "user " << user;
  EXPECT_EQ(count_lines(bot, "图片已生成，但发送"), 0u);
}

// LONG: 100 drops, 7-11 s.
TEST(LinkDrops, ReverseImageIsResentOnceAfterEachOfHundredDrops) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(reverse_config(kTestToken) + plugin_config(openrouter));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto connect = [&](int) {
    auto c = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    return c.ok() ? *c : -1;
  };
  image_sends_with_drops(bot, napcat, openrouter, connect(0), connect);
}

// LONG: 100 drops, 7-11 s.
TEST(LinkDrops, ForwardImageIsResentOnceAfterEachOfHundredDrops) {
  FakeOpenRouter openrouter;
  FakeNapCat napcat(FakeNapCat::Options{.token = kTestToken});
  const auto port = napcat.listen();
  PicbotRunner bot(fast_reconnect(forward_config(port, kTestToken)) + plugin_config(openrouter));
  ASSERT_TRUE(bot.start());
  const int first = wait_for_new_connection(napcat, 0);
  ASSERT_GT(first, 0);
  image_sends_with_drops(bot, napcat, openrouter, first,
                         [&](int previous) { return wait_for_new_connection(napcat, previous); });
}

// One /draw from user 42 (quota 3) whose image sends NapCat answers with
// answer_image(n), n counting them from 0 (other sends: ok); the link drops
// right after the first image send. The tests then reconnect (or not).
class OneDrawThroughADrop : public ::testing::Test {
 protected:
  void draw_and_drop(const std::string& extra_config, std::function<ApiReply(int)> answer_image) {
    bot_ = std::make_unique<PicbotRunner>(
        reverse_config(kTestToken) +
        plugin_config(openrouter_,
                      extra_config + "    rate_limit:\n      enabled: true\n      default_limit: 3\n"));
    ASSERT_TRUE(bot_->start());
    napcat_.set_handler("send_private_msg", [this, answer_image](const ApiCall& c) {
      if (!has_image(message_of(c))) return ApiReply::ok(json{{"message_id", 1}});
      return answer_image(image_sends_++);
    });
    const int conn = reconnect();
    ASSERT_GT(conn, 0);
    napcat_.send_private_message(conn, 42, "/draw cat");
    ASSERT_TRUE(napcat_.wait_for_call([](const ApiCall& c) { return has_image(message_of(c)); }, 10s));
    napcat_.drop(conn);
  }

  // A new connection as NapCat's account, or -1.
  int reconnect() {
    auto conn = napcat_.connect(bot_->reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
    return conn.ok() ? *conn : -1;
  }

  // /quota on conn answers with `remaining` ("2/3").
  void expect_quota(int conn, const std::string& remaining) {
    const std::size_t skip = napcat_.calls().size();
    napcat_.send_private_message(conn, 42, "/quota");
    ASSERT_TRUE(napcat_.wait_for_call(
        [&](const ApiCall& c) { return text_of(message_of(c)).find(remaining) != std::string::npos; }, 5s,
        skip))
        << bot_->process().output();
  }

  FakeOpenRouter openrouter_;
  FakeNapCat napcat_;
  std::unique_ptr<PicbotRunner> bot_;
  std::atomic<int> image_sends_{0};
};

// When the resend fails too, the user is told, and the quota unit comes back.
TEST_F(OneDrawThroughADrop, FailedResendIsToldToTheUserAndNotCharged) {
  ASSERT_NO_FATAL_FAILURE(draw_and_drop("", [](int n) {
    return n == 0 ? no_answer() : ApiReply::failed(kRetcodeFailed, "rich media transfer failed");
  }));
  const int second = reconnect();
  ASSERT_GT(second, 0);
  auto told = napcat_.wait_for_call(
      [&](const ApiCall& c) {
        return c.conn == second && text_of(message_of(c)).find("发送到群聊失败") != std::string::npos;
      },
      10s);
  ASSERT_TRUE(told) << bot_->process().output();
  EXPECT_EQ(image_sends_.load(), 2) << "one resend, no more";
  expect_quota(second, "3/3");
}

// NapCat posted the image and only its answer was lost with the link: after
// the reconnect the chat history shows the image, so it is not sent twice,
// and it is charged once.
TEST_F(OneDrawThroughADrop, ImagePostedBeforeTheDropIsNotSentAgain) {
  ASSERT_NO_FATAL_FAILURE(draw_and_drop("", [](int n) {
    ApiReply reply = ApiReply::ok(json{{"message_id", 1}});
    reply.posted_without_answer = n == 0;
    return reply;
  }));
  const int second = reconnect();
  ASSERT_GT(second, 0);
  ASSERT_TRUE(bot_->wait_for_log("it is in the chat history", 10s)) << bot_->process().output();
  expect_quota(second, "2/3");
  EXPECT_EQ(image_sends_.load(), 1) << "the image was sent twice";
  EXPECT_EQ(napcat_.count_calls("get_friend_msg_history"), 1u);
}

// No reconnect within resend_wait_seconds: no resend, the unit is released.
TEST_F(OneDrawThroughADrop, NoReconnectWithinTheWaitGivesUpAndReleasesTheUnit) {
  ASSERT_NO_FATAL_FAILURE(draw_and_drop("    resend_wait_seconds: 0.2\n", [](int n) {
    return n == 0 ? no_answer() : ApiReply::ok(json{{"message_id", 1}});
  }));
  ASSERT_TRUE(bot_->wait_for_log("did not reconnect within 200 ms", 5s)) << bot_->process().output();
  const int second = reconnect();
  ASSERT_GT(second, 0);
  expect_quota(second, "3/3");
  EXPECT_EQ(image_sends_.load(), 1);
}

// ---- The OpenRouter failure matrix, 50 requests at once ---------------------

// 50 requests at once, one key each, each key scripted with one entry of the
// matrix (twice over): 401/403 disable a key and 402/429 cool it down, so a
// request may rotate to another key, whose default answer is a PNG. Whatever
// the path, every request ends with exactly one final reply, and only
// delivered images are charged.
TEST(UpstreamFaults, WholeFailureMatrixUnderConcurrencyGivesOneOutcomePerRequest) {
  FakeOpenRouter openrouter;
  const std::vector<Script> matrix = {
      Script::kPng,
      Script::kJpeg,
      Script::kWebp,
      Script::kPngInContent,
      Script::k400,
      Script::k401,
      Script::k402,
      Script::k403,
      Script::k404NoEndpoints,
      Script::k404Model,
      Script::k408,
      Script::k429,
      Script::k500,
      Script::k502,
      Script::k503,
      Script::kSlow,
      Script::kHang,
      Script::kReset,
      Script::kMalformedJson,
      Script::kErrorIn200,
      Script::kTextOnly,
      Script::kContentFilter,
      Script::kTruncatedBase64,
      Script::kInvalidBase64,
      Script::kDataUrl,
  };
  const std::set<Script> succeeds = {Script::kPng,          Script::kJpeg, Script::kWebp,
                                     Script::kPngInContent, Script::kSlow, Script::kDataUrl};
  constexpr int kRequests = 50;
  std::string keys;
  for (int i = 0; i < kRequests; ++i) {
    const std::string key = "sk-or-v1-matrix-key-" + std::to_string(1000 + i) + "-abcdef";
    keys += (i ? ", \"" : "\"") + key + "\"";
    openrouter.push(key, matrix[i % matrix.size()], FakeOpenRouter::Options{.retry_after_seconds = 60});
  }
  std::string yaml = reverse_config(kTestToken) + plugin_config(openrouter,
                                                                "    request_timeout_seconds: 3\n"
                                                                "    max_concurrent_generations: 50\n"
                                                                "    rate_limit:\n      enabled: true\n"
                                                                "      default_limit: 5\n");
  const std::string one_key = std::string("[\"") + kKey + "\"]";
  yaml.replace(yaml.find(one_key), one_key.size(), "[" + keys + "]");
  PicbotRunner bot(yaml);
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  ReplyLedger ledger;
  napcat.set_handler("send_private_msg", [&](const ApiCall& c) { return ledger.handle(c); });
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  for (int i = 0; i < kRequests; ++i)
    napcat.send_private_message(*conn, 7000 + i, "/draw a fault " + std::to_string(i));

  const auto quota_file = bot.dir() / "data" / "quota.sqlite3";
  // Every request answered, and every reservation settled (committed or released).
  ASSERT_TRUE(wait_until(
      [&] {
        for (int i = 0; i < kRequests; ++i) {
          if (ledger.replies(7000 + i) == 0) return false;
        }
        return quota_rows(quota_file).open == 0;
      },
      20s))
      << bot.process().output();
  std::set<Script> answered;
  int successful_calls = 0;
  for (const auto& call : openrouter.calls()) {
    answered.insert(call.script);
    successful_calls += succeeds.count(call.script);
  }
  EXPECT_EQ(answered, std::set<Script>(matrix.begin(), matrix.end())) << "every failure mode was exercised";
  int images = 0;
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(ledger.replies(7000 + i), 1) << "user " << 7000 + i << " got more than one outcome";
    images += ledger.images(7000 + i);
  }
  EXPECT_EQ(images, successful_calls) << "each successful upstream answer became exactly one image";
  EXPECT_EQ(quota_rows(quota_file).committed, images) << "only delivered images are charged";
  for (const auto& call : napcat.calls()) {
    if (call.action != "send_private_msg" || has_image(message_of(call))) continue;
    const std::string text = text_of(message_of(call));
    EXPECT_EQ(text.find('{'), std::string::npos) << "raw JSON reached a user: " << text;
    EXPECT_FALSE(text.empty());
  }
}

// ---- Disk and database faults -----------------------------------------------

std::optional<ApiCall> say(FakeNapCat& napcat, int conn, std::int64_t user, const std::string& text,
                           const std::string& needle, std::chrono::milliseconds timeout = 10s) {
  const std::size_t skip = napcat.calls().size();
  napcat.send_private_message(conn, user, text);
  return napcat.wait_for_call(
      [&](const ApiCall& c) {
        return is_private_to(c, user) && text_of(message_of(c)).find(needle) != std::string::npos;
      },
      timeout, skip);
}

// Tests run as root, so a read-only mode would not stop writes: the image
// directory is replaced by a regular file, which fails every create in it.
TEST(DiskFaults, UnwritableImageDirectoryIsAClearMessageAndReleasesTheUnit) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(
      reverse_config(kTestToken) +
      plugin_config(openrouter, "    rate_limit:\n      enabled: true\n      default_limit: 2\n"));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  const auto images = bot.dir() / "data" / "images";
  std::filesystem::remove_all(images);
  std::ofstream(images) << "not a directory";

  ASSERT_TRUE(say(napcat, *conn, 42, "/draw cat", "磁盘错误")) << bot.process().output();
  EXPECT_TRUE(bot.wait_for_log("cannot save image: .*images"));
  ASSERT_TRUE(say(napcat, *conn, 42, "/quota", "2/2")) << "the unit was released";
  EXPECT_EQ(quota_rows(bot.dir() / "data" / "quota.sqlite3").committed, 0);

  // Repaired: the next drawing works.
  std::filesystem::remove(images);
  ASSERT_TRUE(say(napcat, *conn, 42, "/draw cat", "剩余 1 次")) << bot.process().output();
  EXPECT_TRUE(bot.process().running());
}

// The disk "fills up" in the middle of the image write: picbot runs under a
// 64 KiB file size limit (RLIMIT_FSIZE, which root is subject to too) and
// the image is 200 KB, so write() fails with EFBIG after a partial write.
TEST(DiskFaults, WriteFailingMidwayIsAClearMessageLeavesNoPartialFileAndReleasesTheUnit) {
  FakeOpenRouter openrouter;
  openrouter.set_default(Script::kPng, FakeOpenRouter::Options{.image_size = 200 * 1024});
  PicbotRunner bot(
      reverse_config(kTestToken) +
      plugin_config(openrouter, "    rate_limit:\n      enabled: true\n      default_limit: 2\n"));
  bot.set_wrapper({"prlimit", "--fsize=65536", "--"});
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(say(napcat, *conn, 42, "/draw cat", "磁盘错误")) << bot.process().output();
  EXPECT_TRUE(bot.wait_for_log("cannot save image: cannot write .*File too large"));
  ASSERT_TRUE(say(napcat, *conn, 42, "/quota", "2/2")) << "the unit was released";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(bot.dir() / "data" / "images")) {
    if (entry.is_directory()) continue;  // the content's shard folder may stay
    ADD_FAILURE() << "left behind: " << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 0u);
  EXPECT_TRUE(bot.process().running());
}

// Another connection holds the quota database's write lock: bounded retries
// (busy_timeout_seconds x 5 attempts), then a clear message; once the lock is
// gone drawing works again.
TEST(DiskFaults, LockedQuotaDatabaseIsAClearMessageThenRecovers) {
  FakeOpenRouter openrouter;
  PicbotRunner bot(reverse_config(kTestToken) +
                   plugin_config(openrouter,
                                 "    rate_limit:\n      enabled: true\n      default_limit: 2\n"
                                 "      busy_timeout_seconds: 0.05\n"));
  ASSERT_TRUE(bot.start());
  FakeNapCat napcat;
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok());
  auto locker = store::Database::open(bot.dir() / "data" / "quota.sqlite3");
  ASSERT_TRUE(locker.ok());
  ASSERT_TRUE((*locker)->exec("BEGIN EXCLUSIVE").ok());

  const auto begin = std::chrono::steady_clock::now();
  ASSERT_TRUE(say(napcat, *conn, 42, "/draw cat", "次数记录暂时不可用")) << bot.process().output();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s) << "retries are bounded";
  EXPECT_TRUE(bot.wait_for_log("quota store failed: database busy"));
  EXPECT_EQ(openrouter.call_count(), 0u) << "no drawing without a reservation";

  ASSERT_TRUE((*locker)->exec("COMMIT").ok());
  ASSERT_TRUE(say(napcat, *conn, 42, "/draw cat", "剩余 1 次")) << bot.process().output();
}

}  // namespace
}  // namespace picbot::testing
