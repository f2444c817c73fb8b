#include "bot/app/config_service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot {
namespace {
using nlohmann::json;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ConfigServiceTest : public ::testing::Test {
 protected:
  // A service over picbot.yaml holding `text`, recording each apply.
  std::unique_ptr<ConfigService> make_service(std::string_view text) {
    path_ = dir_.write_file("picbot.yaml", text);
    auto loaded = config::load_config_file(schema_, path_, {});
    EXPECT_TRUE(loaded);
    auto service =
        std::make_unique<ConfigService>(io_.get_executor(), path_, schema_, std::move(*loaded), workers_);
    service->set_apply([this, s = service.get()](const json& previous) -> Status {
      applied_.push_back({previous["log_level"], s->values()["log_level"]});
      return {};
    });
    return service;
  }

  // Runs the loop until pred holds; false when `timeout` passes first.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds timeout) {
    io_.restart();
    const auto give_up = std::chrono::steady_clock::now() + timeout;
    while (!pred() && std::chrono::steady_clock::now() < give_up)
      io_.run_one_for(std::chrono::milliseconds(50));
    return pred();
  }

  testing::TempDir dir_;
  std::filesystem::path path_;
  config::Schema schema_ = config::Schema::with_host_sections();
  boost::asio::io_context io_;
  WorkerPool workers_{2};
  std::vector<std::pair<json, json>> applied_;  // (previous, new) log_level per apply
};

TEST_F(ConfigServiceTest, ReloadAppliesTheNewFileWithThePreviousConfig) {
  auto service = make_service("log_level: warn\n");
  dir_.write_file("picbot.yaml", "log_level: debug\n");
  ASSERT_TRUE(service->reload());
  EXPECT_EQ(service->values()["log_level"], "debug");
  EXPECT_EQ(applied_, (std::vector<std::pair<json, json>>{{"warn", "debug"}}));
}

TEST_F(ConfigServiceTest, AReloadOfABadFileKeepsTheRunningConfigAndAppliesNothing) {
  auto service = make_service("log_level: warn\n");
  dir_.write_file("picbot.yaml", "log_level: loud\n");
  Status reloaded = service->reload();
  ASSERT_FALSE(reloaded);
  EXPECT_EQ(reloaded.error().code, "bad_config");
  EXPECT_NE(reloaded.error().message.find("log_level"), std::string::npos);
  EXPECT_EQ(service->values()["log_level"], "warn");
  EXPECT_TRUE(applied_.empty());
}

TEST_F(ConfigServiceTest, SaveValueWritesTheDottedKeyAndReloads) {
  auto service = make_service("log_level: warn\n");
  Status saved = testing::run_coroutine(io_, service->save_value("bot.language", "en"));
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(service->values()["bot"]["language"], "en");
  EXPECT_EQ(service->values()["log_level"], "warn");
  EXPECT_EQ(applied_.size(), 1u);
  auto reread = config::load_config_file(schema_, path_, {});
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->values["bot"]["language"], "en");
}

TEST_F(ConfigServiceTest, SaveValueThatDoesNotValidateLeavesTheFileAndTheConfig) {
  auto service = make_service("log_level: warn\n");
  const std::string before = read_file(path_);
  Status saved = testing::run_coroutine(io_, service->save_value("log_level", "loud"));
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, "bad_config");
  EXPECT_EQ(read_file(path_), before);
  EXPECT_EQ(service->values()["log_level"], "warn");
  EXPECT_TRUE(applied_.empty());
}

// Both read-modify-writes start before either finishes: the serial queue
// makes the second read the first one's file.
TEST_F(ConfigServiceTest, OverlappingSavesOfTwoKeysBothLand) {
  auto service = make_service("log_level: warn\n");
  int done = 0;
  auto count = [&](std::exception_ptr e, Status saved) {
    EXPECT_FALSE(e);
    EXPECT_TRUE(saved);
    ++done;
  };
  boost::asio::co_spawn(io_, service->save_value("bot.language", "en"), count);
  boost::asio::co_spawn(io_, service->save_value("log_level", "debug"), count);
  ASSERT_TRUE(run_until([&] { return done == 2; }, std::chrono::seconds(10)));
  auto reread = config::load_config_file(schema_, path_, {});
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->values["bot"]["language"], "en");
  EXPECT_EQ(reread->values["log_level"], "debug");
}

TEST_F(ConfigServiceTest, AConsoleSaveThatIsNotJsonIsABadRequest) {
  auto service = make_service("log_level: warn\n");
  web::HttpRequest request;
  request.body = "{";
  web::HttpResponse response = testing::run_coroutine(io_, service->save_from_console(request));
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(applied_.empty());
}

TEST_F(ConfigServiceTest, AHandEditIsNoticedAndReloaded) {
  auto service = make_service("log_level: warn\n");
  service->start_watching();
  dir_.write_file("picbot.yaml", "log_level: error\n# a longer file, so the size changes too\n");
  EXPECT_TRUE(run_until([&] { return !applied_.empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(service->values()["log_level"], "error");
  service->stop();
}

TEST_F(ConfigServiceTest, SighupReloads) {
  auto service = make_service("log_level: warn\n");
  service->start_watching();
  dir_.write_file("picbot.yaml", "log_level: error\n");
  std::raise(SIGHUP);
  EXPECT_TRUE(run_until([&] { return !applied_.empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(service->values()["log_level"], "error");
  service->stop();
}

}  // namespace
}  // namespace picbot
