#include "bot/app/web_host.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "bot/app/config_service.h"
#include "bot/app/metered_api.h"
#include "bot/dispatch/dispatcher.h"
#include "bot/onebot/hub.h"
#include "tests/support/temp_dir.h"

namespace picbot {
namespace {

struct NoEvents final : onebot::EventSink {
  void on_event(onebot::Event) override {}
};

// A WebHost over the config text, with the parts it needs built as App does.
class WebHostTest : public ::testing::Test {
 protected:
  WebHost& make_host(std::string_view text) {
    const auto path = dir_.write_file("picbot.yaml", text);
    auto loaded = config::load_config_file(schema_, path, {});
    EXPECT_TRUE(loaded);
    config_ =
        std::make_unique<ConfigService>(io_.get_executor(), path, schema_, std::move(*loaded), workers_);
    host_ = std::make_unique<WebHost>(WebHost::Deps{.executor = io_.get_executor(),
                                                    .workers = workers_,
                                                    .metrics = metrics_,
                                                    .config = *config_,
                                                    .hub = hub_,
                                                    .dispatcher = dispatcher_,
                                                    .api = api_,
                                                    .data_dir = dir_.path() / "data"});
    return *host_;
  }

  testing::TempDir dir_;
  config::Schema schema_ = config::Schema::with_host_sections();
  boost::asio::io_context io_;
  WorkerPool workers_{1};
  Metrics metrics_;
  NoEvents no_events_;
  onebot::Hub hub_{io_.get_executor(), {}, no_events_};
  MeteredApi api_{hub_, metrics_};
  CommandRegistry registry_;
  Dispatcher dispatcher_{io_.get_executor(), api_, registry_, std::make_shared<const BotSettings>()};
  std::unique_ptr<ConfigService> config_;
  std::unique_ptr<WebHost> host_;
};

TEST_F(WebHostTest, WithTheWebServerOffNothingBindsAndTheConfiguredUrlIsTrimmed) {
  WebHost& host = make_host("web:\n  enabled: false\n  public_base_url: https://bot.example.com//\n");
  ASSERT_TRUE(host.start());
  EXPECT_FALSE(host.running());
  EXPECT_EQ(host.public_base_url(), "https://bot.example.com");
}

TEST_F(WebHostTest, ALoopbackServerGivesItsBoundAddressAsTheBaseUrl) {
  WebHost& host = make_host("web:\n  listen: 127.0.0.1:0\n  password: secret-password\n");
  ASSERT_TRUE(host.start());
  EXPECT_TRUE(host.running());
  const std::string url = host.public_base_url();
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  EXPECT_NE(url, "http://127.0.0.1:0");
  host.stop();
}

TEST_F(WebHostTest, AServerOnEveryAddressHasNoBaseUrlToGiveOut) {
  WebHost& host = make_host("web:\n  listen: 0.0.0.0:0\n  password: secret-password\n");
  ASSERT_TRUE(host.start());
  EXPECT_EQ(host.public_base_url(), "");
  host.stop();
}

TEST_F(WebHostTest, ANonLoopbackAddressWithoutAPasswordIsRefused) {
  WebHost& host = make_host("web:\n  listen: 0.0.0.0:0\n");
  Status started = host.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, "bad_config");
  EXPECT_FALSE(host.running());
}

}  // namespace
}  // namespace picbot
