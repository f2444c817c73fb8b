// End to end for the web server: /health on the real binary, image_delivery:
// url (NapCat gets an http URL served by picbot's own /images/<id>), and the
// refusal to expose a password-less server on a non-loopback address.
//
// The web server listens on 127.0.0.1:0 and web.public_base_url is left
// empty, so picbot derives the base URL from the address it actually bound.
// Image expiry (TTL) is covered by ImageStore's unit tests; here a deleted
// file and unknown ids must give 404.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "bot/net/http_client.h"
#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/integration/console_client.h"
#include "tests/integration/helpers.h"
#include "tests/integration/picbot_runner.h"
#include "tests/support/paths.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kKey[] = "sk-or-v1-test-key-aaaaaaaaaaaa1111";

// One blocking GET with picbot's own HttpClient on a private io_context.
net::HttpResponse http_get(const std::string& url) {
  net::HttpRequest request;
  request.url = url;
  return blocking_request(std::move(request));
}

std::string url_plugin_config(const FakeOpenRouter& openrouter) {
  return gemini_plugin_section({kKey}, openrouter.api_base(),
                               "    max_retry_attempts: 1\n    image_delivery: url\n");
}

std::optional<std::string> image_file_of(const json& message) {
  for (const auto& seg : message) {
    if (seg.value("type", "") == "image") return seg["data"].value("file", "");
  }
  return std::nullopt;
}

TEST(WebTest, HealthAnswersWithLinkCount) {
  PicbotRunner bot(reverse_config(kTestToken));
  ASSERT_TRUE(bot.start());
  ASSERT_NE(bot.web_port(), 0) << bot.process().output();
  const std::string url = "http://127.0.0.1:" + std::to_string(bot.web_port()) + "/health";
  auto response = http_get(url);
  ASSERT_EQ(response.status, 200) << bot.process().output();
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.header("x-content-type-options"), "nosniff");
  json body = json::parse(response.body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_TRUE(body["version"].is_string());
  EXPECT_GE(body["uptime_seconds"].get<long long>(), 0);
  EXPECT_EQ(body["onebot"]["links"], 0);

  FakeNapCat napcat;
  ASSERT_TRUE(napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken).ok());
  EXPECT_TRUE(wait_until([&] { return json::parse(http_get(url).body)["onebot"]["links"] == 1; }, 5s));
  EXPECT_EQ(http_get("http://127.0.0.1:" + std::to_string(bot.web_port()) + "/nothing").status, 404);
  EXPECT_EQ(bot.stop(), 0);
}

TEST(WebTest, UrlDeliveryServesTheImageFromPicbot) {
  FakeOpenRouter openrouter;
  FakeNapCat napcat;
  PicbotRunner bot(reverse_config(kTestToken) + url_plugin_config(openrouter));
  ASSERT_TRUE(bot.start());
  ASSERT_NE(bot.web_port(), 0);
  auto conn = napcat.connect(bot.reverse_port(), "/onebot/v11/ws", 10001, kTestToken);
  ASSERT_TRUE(conn.ok()) << conn.error().message;

  napcat.send_group_message(*conn, 777, 42, "/draw a cat");
  auto reply = napcat.wait_for_call(
      [](const ApiCall& c) {
        return c.action == "send_group_msg" && image_file_of(message_of(c)).has_value();
      },
      10s);
  ASSERT_TRUE(reply) << bot.process().output();
  const std::string file = *image_file_of(reply->params["message"]);
  const std::string base = "http://127.0.0.1:" + std::to_string(bot.web_port());
  ASSERT_TRUE(file.starts_with(base + "/images/")) << file;
  const std::string id = file.substr(base.size() + 8);
  EXPECT_EQ(id.size(), 32u) << file;

  auto image = http_get(file);
  ASSERT_EQ(image.status, 200) << bot.process().output();
  ASSERT_EQ(openrouter.served_images().size(), 1u);
  EXPECT_EQ(image.body, openrouter.served_images()[0]);
  EXPECT_EQ(image.header("content-type"), "image/png");
  EXPECT_TRUE(image.header("cache-control").starts_with("private, max-age="))
      << image.header("cache-control");
  EXPECT_EQ(image.header("x-content-type-options"), "nosniff");

  // Unknown ids and anything that is not an id are 404; no path reaches the disk.
  EXPECT_EQ(http_get(base + "/images/" + std::string(32, '0')).status, 404);
  EXPECT_EQ(http_get(base + "/images/..%2Fpicbot.yaml").status, 404);
  EXPECT_EQ(http_get(base + "/images/").status, 404);
  EXPECT_EQ(http_get(base + "/images/" + id + "/x").status, 404);

  // A deleted image is gone for good.
  for (const auto& entry : std::filesystem::directory_iterator(bot.dir() / "data" / "images")) {
    std::filesystem::remove_all(entry.path());
  }
  EXPECT_EQ(http_get(file).status, 404);
  EXPECT_EQ(bot.process().output().find(kKey), std::string::npos);
}

TEST(WebTest, NonLoopbackWithoutPasswordRefusesToStart) {
  TempDir dir;
  const auto config = dir.write_file("picbot.yaml", "data_dir: \"" + (dir.path() / "data").string() +
                                                        "\"\n"
                                                        "onebot:\n"
                                                        "  mode: reverse\n"
                                                        "  listen: \"127.0.0.1:0\"\n"
                                                        "  access_token: \"" +
                                                        std::string(kTestToken) +
                                                        "\"\n"
                                                        "web:\n"
                                                        "  listen: \"0.0.0.0:0\"\n");
  auto child = ChildProcess::start({picbot_binary().string(), "--config", config.string()}, {}, dir.path());
  ASSERT_TRUE(child.ok()) << child.error().message;
  const auto code = (*child)->wait_exit(10s);
  ASSERT_TRUE(code.has_value()) << (*child)->output();
  EXPECT_NE(*code, 0);
  const std::string output = (*child)->output();
  EXPECT_NE(output.find("web.listen"), std::string::npos) << output;
  EXPECT_NE(output.find("web.password"), std::string::npos) << output;
}

}  // namespace
}  // namespace picbot::testing
