#include "plugins/image_gateway/chat/chat_inputs.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"

namespace picbot::gateway {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using testing::make_data_url;
using testing::make_jpeg;
using testing::make_png;

json user(json content) { return json{{"role", "user"}, {"content", std::move(content)}}; }

json image_part(const std::string& url) { return json{{"type", "image_url"}, {"image_url", {{"url", url}}}}; }

class ChatInputsTest : public ::testing::Test {
 protected:
  Result<ChatImagePrompt> read(const json& messages) {
    ReadOwnImage read_own = [this](std::string id) -> asio::awaitable<Result<image::ReferenceImage>> {
      asked_.push_back(id);
      auto it = own_.find(id);
      if (it == own_.end()) co_return Error::not_found("no image " + id);
      co_return image::ReferenceImage{it->second, "image/png"};
    };
    return testing::run_coroutine(io_, read_chat_prompt(messages, read_own, http_, options_));
  }

  asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  ChatInputOptions options_;
  std::map<std::string, std::string> own_;
  std::vector<std::string> asked_;
};

TEST_F(ChatInputsTest, ThePromptIsTheLastUserMessagesText) {
  auto prompt = read(json::array(
      {user("an old wish"), {{"role", "assistant"}, {"content", "done"}}, user("  a red fox in snow  ")}));
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  EXPECT_EQ(prompt->prompt, "a red fox in snow");
  EXPECT_TRUE(prompt->references.empty());
}

TEST_F(ChatInputsTest, ArrayContentGivesItsTextAndItsImagesInOrder) {
  const std::string png = make_png("first");
  const std::string jpeg = make_jpeg();
  auto prompt = read(json::array(
      {user(json::array({{{"type", "text"}, {"text", "make it blue"}},
                         image_part(make_data_url("image/png", png)),
                         {{"type", "image"}, {"image", make_data_url("image/jpeg", jpeg).substr(23)}},
                         {{"type", "text"}, {"text", "and bigger"}}}))}));
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  EXPECT_EQ(prompt->prompt, "make it blue\nand bigger");
  ASSERT_EQ(prompt->references.size(), 2u);
  EXPECT_EQ(prompt->references[0].bytes, png);
  EXPECT_EQ(prompt->references[0].mime, "image/png");
  EXPECT_EQ(prompt->references[1].bytes, jpeg);
}

TEST_F(ChatInputsTest, OwnLinksAreReadFromTheStoreOnAnyHost) {
  own_["abc123"] = make_png("own");
  own_["def456"] = make_png("own2");
  auto prompt = read(json::array(
      {user(json::array({{{"type", "text"}, {"text", "like this ![image](/images/def456) please"}},
                         image_part("https://gateway.example.com/images/abc123")}))}));
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  EXPECT_EQ(prompt->prompt, "like this  please");
  EXPECT_EQ(asked_, (std::vector<std::string>{"def456", "abc123"}));
  ASSERT_EQ(prompt->references.size(), 2u);
  EXPECT_EQ(prompt->references[1].bytes, own_["abc123"]);
}

TEST_F(ChatInputsTest, AnUnknownOwnLinkIsRefused) {
  auto prompt =
      read(json::array({user(json::array({{{"type", "text"}, {"text", "x"}}, image_part("/images/gone")}))}));
  ASSERT_FALSE(prompt.ok());
  EXPECT_EQ(prompt.error().code, "image_not_found");
}

TEST_F(ChatInputsTest, OtherSitesAreRefusedUnlessAllowed) {
  testing::FakeHttpServer site;
  const std::string png = make_png("remote");
  site.on("GET", "/cat.png", [&](const auto&) {
    testing::FakeHttpResponse response;
    response.headers = {{"Content-Type", "image/png"}};
    response.body = png;
    return response;
  });
  const json messages = json::array(
      {user(json::array({{{"type", "text"}, {"text", "x"}}, image_part(site.base_url() + "/cat.png")}))});
  auto refused = read(messages);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "external_image_refused");
  EXPECT_EQ(site.request_count(), 0u);

  options_.allow_external_image_fetch = true;
  auto guarded = read(messages);  // the SSRF guard still refuses loopback
  ASSERT_FALSE(guarded.ok());
  EXPECT_EQ(guarded.error().code, "image_download_failed");

  options_.download.allow_private_addresses = true;
  auto fetched = read(messages);
  ASSERT_TRUE(fetched.ok()) << fetched.error().message;
  ASSERT_EQ(fetched->references.size(), 1u);
  EXPECT_EQ(fetched->references[0].bytes, png);
}

TEST_F(ChatInputsTest, ATenMegabyteDataUrlWorks) {
  WorkerPool workers(1);
  options_.workers = &workers;
  const std::string png = make_png("big", 7'600'000);
  const std::string url = make_data_url("image/png", png);
  ASSERT_GE(url.size(), 10'000'000u);
  auto prompt =
      read(json::array({user(json::array({{{"type", "text"}, {"text", "edit"}}, image_part(url)}))}));
  ASSERT_TRUE(prompt.ok()) << prompt.error().message;
  ASSERT_EQ(prompt->references.size(), 1u);
  EXPECT_EQ(prompt->references[0].bytes.size(), png.size());
}

TEST_F(ChatInputsTest, LimitsAndBadImagesAreRequestErrors) {
  options_.max_data_url_bytes = 1000;
  auto large = read(json::array({user(json::array(
      {{{"type", "text"}, {"text", "x"}}, image_part(make_data_url("image/png", make_png("l", 5000)))}))}));
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().code, "image_too_large");

  options_.max_data_url_bytes = 1 << 20;
  auto bad = read(json::array({user(
      json::array({{{"type", "text"}, {"text", "x"}}, image_part("data:image/png;base64,QUJDRA==")}))}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "bad_image");

  options_.max_references = 1;
  const std::string url = make_data_url("image/png", make_png());
  auto many = read(json::array(
      {user(json::array({{{"type", "text"}, {"text", "x"}}, image_part(url), image_part(url)}))}));
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error().code, "too_many_images");

  auto empty = read(json::array({user(json::array({image_part(url)}))}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, "no_prompt");
  auto none = read(json::array({{{"role", "system"}, {"content", "be nice"}}}));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, "no_prompt");
}

TEST(OwnImageId, ReadsTheIdOfImagesPaths) {
  EXPECT_EQ(own_image_id("/images/abc_1.png"), "abc_1.png");
  EXPECT_EQ(own_image_id("http://h:8080/images/x?download=1"), "x");
  EXPECT_EQ(own_image_id("https://h/images/a-b"), "a-b");
  EXPECT_FALSE(own_image_id("https://h/images/").has_value());
  EXPECT_FALSE(own_image_id("https://h/images/a/b").has_value());
  EXPECT_FALSE(own_image_id("https://h/images/..").has_value());
  EXPECT_FALSE(own_image_id("https://h/other/a").has_value());
  EXPECT_FALSE(own_image_id("ftp://h/images/a").has_value());
}

}  // namespace
}  // namespace picbot::gateway
