#include "plugins/gemini_pic_gen/console/console_api.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <ctime>

#include "bot/core/millis.h"
#include "bot/core/secret.h"
#include "image/storage/local_image_store.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::gemini {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kKeyA[] = "sk-or-v1-console-test-key-aaaa1111";
constexpr char kKeyB[] = "sk-or-v1-console-test-key-bbbb2222";

// A provider of the chain with its own keys; it never draws.
class KeysOnlyProvider final : public image::Provider {
 public:
  KeysOnlyProvider(std::string name, std::vector<std::string> keys, const Clock& clock)
      : Provider(std::move(name)), keys_(std::move(keys)), clock_(clock) {}
  boost::asio::awaitable<Result<image::ImageResult, llm::ProviderError>> generate(
      image::ImageRequest) override {
    co_return image::refused_request("not drawing");
  }
  image::Capabilities capabilities() const override { return {}; }
  std::vector<llm::KeyState> key_states() const override { return keys_.snapshot(clock_.now()); }
  bool enable_key(std::size_t index, std::string_view masked) override { return keys_.enable(index, masked); }
  std::string_view type() const override { return "openai"; }
  std::string model() const override { return "gpt-image-1"; }
  std::string api_base() const override { return "http://127.0.0.1:9/v1"; }
  std::chrono::milliseconds deadline() const override { return 1s; }
  Status reconfigure(const image::ProviderConfig&) override { return {}; }
  void set_model(std::string) override {}
  void set_api_base(std::string) override {}

  llm::KeyPool keys_;

 private:
  const Clock& clock_;
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  ConsoleApiTest() {
    auto opened = QuotaStore::open(dir_.path() / "quota.sqlite3", clock_);
    EXPECT_TRUE(opened.ok());
    quotas_ = std::make_unique<AsyncQuotaStore>(pool_, std::move(*opened));
    console_.set_quota_store(quotas_.get());
    config_.enabled = true;
    config_.default_limit = 3;
    config_.reset_interval_minutes = 60;
    config_.group_limits = {{777, 10}};
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), 10s);
  }

  void use(std::int64_t user, std::int64_t group) {
    auto reserved = run(quotas_->try_reserve(resolve(config_, user, group, false), 60min));
    ASSERT_TRUE(reserved.ok() && reserved->granted);
    ASSERT_TRUE(run(quotas_->commit(reserved->reservation_id)).ok());
  }

  StoredImage save(std::string prompt, std::int64_t user, std::int64_t group) {
    auto saved = run(images_.save(
        png_, "png", ImageMeta{std::move(prompt), user, group, "google/gemini-2.5-flash-image"}));
    EXPECT_TRUE(saved.ok());
    return *saved;
  }

  json quota_list() {
    auto listed = run(console_.quotas(config_));
    EXPECT_TRUE(listed.ok()) << listed.error().to_string();
    return listed.ok() ? *listed : json();
  }

  testing::TempDir dir_;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool pool_{1};
  image::LocalImageStore images_{io_.get_executor(), pool_, clock_, {dir_.path() / "images", 15min, 60s}};
  DrawStats stats_{clock_};
  JobQueue jobs_{io_.get_executor(), 2};
  llm::KeyPool keys_{{kKeyA, kKeyB}};
  QuotaConfig config_;
  std::unique_ptr<AsyncQuotaStore> quotas_;
  ConsoleApi console_{
      {images_, stats_, jobs_, [this] { return keys_.snapshot(clock_.now()); },
       [this](std::size_t index, std::string_view masked) { return keys_.enable(index, masked); },
       [] { return std::string("test/model"); }, clock_,
       [this] {
         return std::vector<std::shared_ptr<image::Provider>>{primary_, backup_};
       }}};
  std::shared_ptr<KeysOnlyProvider> primary_ =
      std::make_shared<KeysOnlyProvider>("primary", std::vector<std::string>{kKeyA}, clock_);
  std::shared_ptr<KeysOnlyProvider> backup_ =
      std::make_shared<KeysOnlyProvider>("backup", std::vector<std::string>{kKeyB, kKeyA}, clock_);

  void disable_backups_second_key() {
    auto slot = backup_->keys_.next(clock_.now(), {0});
    ASSERT_TRUE(slot.has_value());
    backup_->keys_.report(*slot, {llm::KeyOutcome::Kind::kInvalid, std::nullopt, "401"}, clock_.now());
  }
  const std::string png_ = testing::make_png("console", 500);
};

TEST_F(ConsoleApiTest, QuotasListEveryBucketWithItsWindow) {
  use(42, 0);
  use(42, 0);
  use(43, 777);
  const json list = quota_list();
  EXPECT_EQ(list["enabled"], true);
  EXPECT_EQ(list["default_limit"], 3);
  EXPECT_EQ(list["reset_interval_minutes"], 60);
  EXPECT_EQ(list["now_ms"], to_epoch_ms(clock_.now()));
  ASSERT_EQ(list["buckets"].size(), 2u) << list.dump();
  const json& user = list["buckets"][0];
  EXPECT_EQ(user["bucket"], "user:42");
  EXPECT_EQ(user["tier"], "default");
  EXPECT_EQ(user["limit"], 3);
  EXPECT_EQ(user["used"], 2);
  EXPECT_EQ(user["remaining"], 1);
  EXPECT_EQ(user["window_start_ms"], to_epoch_ms(clock_.now()));
  EXPECT_EQ(user["resets_at_ms"], to_epoch_ms(clock_.now() + 60min));
  const json& group = list["buckets"][1];
  EXPECT_EQ(group["bucket"], "group:777");
  EXPECT_EQ(group["tier"], "group");
  EXPECT_EQ(group["used"], 1);
  EXPECT_EQ(group["remaining"], 9);
}

TEST_F(ConsoleApiTest, ResetTakesAScopeAndRejectsBadOnes) {
  use(42, 0);
  use(43, 777);
  auto bad = run(console_.reset(json{{"scope", "user"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "bad_request");

  auto user = run(console_.reset(json{{"scope", "user"}, {"id", "42"}}));
  ASSERT_TRUE(user.ok());
  EXPECT_EQ((*user)["reset"], "user 42");
  json list = quota_list();
  ASSERT_EQ(list["buckets"].size(), 1u);
  EXPECT_EQ(list["buckets"][0]["bucket"], "group:777");
  EXPECT_EQ(list["buckets"][0]["used"], 1);

  ASSERT_TRUE(run(console_.reset(json{{"scope", "all"}})).ok());
  list = quota_list();
  ASSERT_EQ(list["buckets"].size(), 1u) << "the configured group stays listed";
  EXPECT_EQ(list["buckets"][0]["used"], 0);
  EXPECT_TRUE(list["buckets"][0]["resets_at_ms"].is_null());
}

TEST_F(ConsoleApiTest, WithoutAQuotaStoreQuotasAreUnavailable) {
  console_.set_quota_store(nullptr);
  auto listed = run(console_.quotas(config_));
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, "unavailable");
  auto reset = run(console_.reset(json{{"scope", "all"}}));
  ASSERT_FALSE(reset.ok());
  EXPECT_EQ(reset.error().code, "unavailable");
}

TEST_F(ConsoleApiTest, GalleryListsFetchesAndDeletes) {
  const StoredImage older = save("a red fox", 42, 777);
  clock_.advance(1min);
  const StoredImage newer = save("一只猫", 43, 0);
  const json gallery = console_.gallery(10);
  EXPECT_EQ(gallery["ttl_minutes"], 15);
  ASSERT_EQ(gallery["images"].size(), 2u);
  const json& first = gallery["images"][0];
  EXPECT_EQ(first["id"], newer.id);
  EXPECT_EQ(first["prompt"], "一只猫");
  EXPECT_EQ(first["user_id"], 43);
  EXPECT_EQ(first["group_id"], 0);
  EXPECT_EQ(first["time_ms"], to_epoch_ms(clock_.now()));
  EXPECT_EQ(first["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(first["mime"], "image/png");
  EXPECT_EQ(first["size"], png_.size());
  EXPECT_EQ(gallery["images"][1]["prompt"], "a red fox");
  EXPECT_EQ(gallery["images"][1]["group_id"], 777);
  EXPECT_EQ(gallery.dump().find(dir_.path().string()), std::string::npos) << "no server paths";
  EXPECT_EQ(console_.gallery(1)["images"].size(), 1u);

  auto file = run(console_.image(older.id));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->mime, "image/png");
  EXPECT_EQ(file->bytes, png_);

  const fs::path older_file = images_.local_file(older).value();
  ASSERT_TRUE(run(console_.remove(older.id)).ok());
  EXPECT_FALSE(fs::exists(older_file));
  EXPECT_TRUE(fs::exists(images_.local_file(newer).value()));
  auto gone = run(console_.image(older.id));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "not_found");
  auto again = run(console_.remove(older.id));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "not_found");
  EXPECT_EQ(console_.gallery(10)["images"].size(), 1u);
  auto unknown = run(console_.image("../../etc/passwd"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "not_found");
}

TEST_F(ConsoleApiTest, StatusCountsAndMasksKeys) {
  stats_.generation_finished("success", 2s);
  stats_.generation_finished("rate_limited", 1s);
  stats_.quota_denied();
  stats_.image_delivered();
  const auto slot = keys_.next(clock_.now());
  ASSERT_TRUE(slot);
  keys_.report(*slot, {llm::KeyOutcome::Kind::kNoCredits, std::nullopt, "402 no credits"}, clock_.now());

  const json status = console_.status();
  EXPECT_EQ(status["model"], "test/model");
  EXPECT_EQ(status["generations"], (json{{"success", 1}, {"rate_limited", 1}}));
  EXPECT_EQ(status["quota_denials"], 1);
  EXPECT_EQ(status["images_delivered"], 1);
  EXPECT_EQ(status["delivery_failures"], 0);
  EXPECT_EQ(status["latency"]["count"], 2);
  EXPECT_DOUBLE_EQ(status["latency"]["sum_seconds"].get<double>(), 3.0);
  EXPECT_EQ(status["queue"], (json{{"running", 0}, {"waiting", 0}}));
  ASSERT_EQ(status["keys"].size(), 2u);
  EXPECT_EQ(status["keys"][0]["status"], "cooling_down");
  EXPECT_EQ(status["keys"][0]["key"], mask_secret(kKeyA));
  const std::time_t until = std::chrono::system_clock::to_time_t(clock_.now() + 1h);
  std::tm utc{};
  gmtime_r(&until, &utc);
  char expected[32];
  std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &utc);
  EXPECT_EQ(status["keys"][0]["cooling_until"], expected);
  EXPECT_EQ(status["keys"][1]["status"], "active");
  EXPECT_TRUE(status["keys"][1]["cooling_until"].is_null());
  const std::string text = status.dump();
  EXPECT_EQ(text.find(kKeyA), std::string::npos);
  EXPECT_EQ(text.find(kKeyB), std::string::npos);
}

TEST_F(ConsoleApiTest, StatusShowsEachProvidersUpstreamQueue) {
  EXPECT_EQ(console_.status()["limiters"], json::array());
  ConsoleApi limited{
      {images_,
       stats_,
       jobs_,
       [this] { return keys_.snapshot(clock_.now()); },
       [this](std::size_t index, std::string_view masked) { return keys_.enable(index, masked); },
       [] { return std::string("test/model"); },
       clock_,
       {},
       [] {
         return std::vector<image::LimiterState>{{"primary", 2, 1, 10, 3, 1}, {"backup", 0, 0, 0, 1, 0}};
       }}};
  const json limiters = limited.status()["limiters"];
  ASSERT_EQ(limiters.size(), 2u);
  EXPECT_EQ(limiters[0], (json{{"provider", "primary"},
                               {"waiting", 2},
                               {"running", 1},
                               {"requests_per_second", 10.0},
                               {"burst", 3.0},
                               {"max_concurrent", 1}}));
  EXPECT_EQ(limiters[1]["provider"], "backup");
  EXPECT_EQ(limiters[1]["max_concurrent"], 0);
}

TEST_F(ConsoleApiTest, StatusHasTheLastDayByHourAndLatencyPercentiles) {
  stats_.generation_finished("success", 2s);
  clock_.advance(1h);
  stats_.generation_finished("success", 4s);
  stats_.generation_finished("no_credits", 1s);
  const json status = console_.status();
  ASSERT_EQ(status["hourly"].size(), DrawStats::kHours);
  const json& now = status["hourly"].back();
  EXPECT_EQ(now["success"], 1);
  EXPECT_EQ(now["failures"], (json{{"no_credits", 1}}));
  EXPECT_EQ(now["start_ms"], to_epoch_ms(std::chrono::floor<std::chrono::hours>(clock_.now())));
  EXPECT_EQ(status["hourly"][DrawStats::kHours - 2]["success"], 1);
  EXPECT_EQ(status["latency"]["recent_count"], 3);
  EXPECT_DOUBLE_EQ(status["latency"]["p50_seconds"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(status["latency"]["p95_seconds"].get<double>(), 4.0);
  EXPECT_EQ(status["keys"][1]["index"], 1);
}

TEST_F(ConsoleApiTest, EnableKeyTakesTheMaskedKeyAndItsIndex) {
  const auto slot = keys_.next(clock_.now());
  keys_.report(*slot, {llm::KeyOutcome::Kind::kInvalid, std::nullopt, "401 invalid key"}, clock_.now());
  EXPECT_EQ(console_.status()["keys"][0]["status"], "disabled");
  EXPECT_EQ(console_.enable_key(json{{"index", 0}}).error().code, "bad_request");
  EXPECT_EQ(console_.enable_key(json{{"index", 0}, {"key", mask_secret(kKeyB)}}).error().code, "not_found");
  auto enabled = console_.enable_key(json{{"index", 0}, {"key", mask_secret(kKeyA)}});
  ASSERT_TRUE(enabled.ok());
  EXPECT_EQ((*enabled)["enabled"], mask_secret(kKeyA));
  EXPECT_EQ(console_.status()["keys"][0]["status"], "active");
}

TEST_F(ConsoleApiTest, StatusShowsEachProviderOfTheChainWithItsKeysAndResultsByClass) {
  stats_.provider_finished("primary", "no_credits");
  stats_.provider_finished("primary", "no_credits");
  stats_.provider_finished("backup", "success");
  disable_backups_second_key();

  const json providers = console_.status()["providers"];
  ASSERT_EQ(providers.size(), 2u) << providers.dump();
  EXPECT_EQ(providers[0]["name"], "primary");
  EXPECT_EQ(providers[0]["type"], "openai");
  EXPECT_EQ(providers[0]["model"], "gpt-image-1");
  EXPECT_EQ(providers[0]["position"], 1);
  EXPECT_EQ(providers[0]["results"], json({{"no_credits", 2}}));
  EXPECT_EQ(providers[1]["position"], 2);
  EXPECT_EQ(providers[1]["results"], json({{"success", 1}}));
  const json keys = providers[1]["keys"];
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[1]["index"], 1);
  EXPECT_EQ(keys[1]["key"], mask_secret(kKeyA));
  EXPECT_EQ(keys[1]["status"], "disabled");
  EXPECT_EQ(console_.status().dump().find(kKeyA), std::string::npos);
}

TEST_F(ConsoleApiTest, EnableKeyWithAProviderEnablesThatProvidersKey) {
  disable_backups_second_key();
  const std::string masked = mask_secret(kKeyA);
  // The primary's key 0 is the same key: the provider decides whose is enabled.
  auto wrong = console_.enable_key(json{{"provider", "nobody"}, {"index", 1}, {"key", masked}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(wrong.error().is_not_found());
  EXPECT_FALSE(console_.enable_key(json{{"provider", 3}, {"index", 1}, {"key", masked}}).ok());
  auto enabled = console_.enable_key(json{{"provider", "backup"}, {"index", 1}, {"key", masked}});
  ASSERT_TRUE(enabled.ok()) << enabled.error().to_string();
  EXPECT_EQ(backup_->key_states()[1].status, llm::KeyState::Status::kActive);
}

}  // namespace
}  // namespace picbot::gemini
