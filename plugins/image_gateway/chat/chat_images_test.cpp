#include "plugins/image_gateway/chat/chat_images.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"

namespace picbot::gateway {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
using testing::make_data_url;
using testing::make_jpeg;
using testing::make_png;

// A store that keeps what it is given and answers http://gw/images/<n>.
struct RecordingStore {
  std::vector<std::pair<std::string, std::string>> stored;  // bytes, mime
  StoreImage callback() {
    return [this](std::string bytes, std::string mime) -> asio::awaitable<Result<std::string>> {
      stored.emplace_back(std::move(bytes), std::move(mime));
      co_return "http://gw/images/" + std::to_string(stored.size());
    };
  }
};

class ChatImagesTest : public ::testing::Test {
 protected:
  template <class T>
  T run(asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task));
  }

  asio::io_context io_;
  RecordingStore store_;
  ChatImageOptions options_;
  ChatImages images_{store_.callback(), options_};
};

TEST_F(ChatImagesTest, OpenRouterImagesBecomeLinksAfterTheText) {
  const std::string png = make_png("one");
  json message = {
      {"role", "assistant"},
      {"content", "Here it is"},
      {"images",
       json::array({{{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", png)}}}}})}};
  ASSERT_TRUE(run(images_.rewrite_message(message)).ok());
  EXPECT_EQ(message["content"], "Here it is\n![image](http://gw/images/1)");
  EXPECT_FALSE(message.contains("images"));
  ASSERT_EQ(store_.stored.size(), 1u);
  EXPECT_EQ(store_.stored[0].first, png);
  EXPECT_EQ(store_.stored[0].second, "image/png");
}

TEST_F(ChatImagesTest, MarkdownKeepsItsAltAndBareUrlsBecomeLinks) {
  const std::string text = "a ![a cat](" + make_data_url("image/png", make_png()) + ") b " +
                           make_data_url("image/jpeg", make_jpeg()) + " c";
  auto rewritten = run(images_.rewrite_text(text));
  ASSERT_TRUE(rewritten.ok()) << rewritten.error().message;
  EXPECT_EQ(*rewritten, "a ![a cat](http://gw/images/1) b ![image](http://gw/images/2) c");
  ASSERT_EQ(store_.stored.size(), 2u);
  EXPECT_EQ(store_.stored[1].second, "image/jpeg");
}

TEST_F(ChatImagesTest, ImagePartsOfAnArrayBecomeUrlParts) {
  json message = {
      {"role", "assistant"},
      {"content",
       json::array({
           {{"type", "text"}, {"text", "see " + make_data_url("image/png", make_png("t"))}},
           {{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", make_png("u"))}}}},
           {{"type", "image"}, {"image", make_data_url("image/png", make_png("i")).substr(22)}},
           {{"type", "image_url"}, {"image_url", {{"url", "https://example.com/a.png"}}}},
       })}};
  ASSERT_TRUE(run(images_.rewrite_message(message)).ok());
  const json& parts = message["content"];
  EXPECT_EQ(parts[0]["text"], "see ![image](http://gw/images/1)");
  EXPECT_EQ(parts[1], (json{{"type", "image_url"}, {"image_url", {{"url", "http://gw/images/2"}}}}));
  EXPECT_EQ(parts[2], (json{{"type", "image_url"}, {"image_url", {{"url", "http://gw/images/3"}}}}));
  EXPECT_EQ(parts[3]["image_url"]["url"], "https://example.com/a.png");
  EXPECT_EQ(message.dump().find("base64"), std::string::npos);
}

TEST_F(ChatImagesTest, EveryChoiceOfACompletionIsRewritten) {
  json completion = {
      {"object", "chat.completion"},
      {"choices",
       json::array(
           {{{"index", 0},
             {"message", {{"role", "assistant"}, {"content", make_data_url("image/png", make_png())}}}},
            {{"index", 1}, {"message", {{"role", "assistant"}, {"content", "plain"}}}}})}};
  ASSERT_TRUE(run(images_.rewrite_completion(completion)).ok());
  EXPECT_EQ(completion["choices"][0]["message"]["content"], "![image](http://gw/images/1)");
  EXPECT_EQ(completion["choices"][1]["message"]["content"], "plain");
}

TEST_F(ChatImagesTest, TextWithoutImagesIsLeftAlone) {
  const std::string text =
      "data: not a url, data:image/ nothing, ![x](http://a/b.png), ![y](data:text/plain;base64,QQ==), dd!";
  auto rewritten = run(images_.rewrite_text(text));
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(*rewritten, text);
  EXPECT_TRUE(store_.stored.empty());
}

TEST_F(ChatImagesTest, BytesThatAreNotAnImageFailAndAreNotStored) {
  auto rewritten = run(images_.rewrite_text("x data:image/png;base64,QUJDRA== y"));
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, "bad_image");
  EXPECT_TRUE(store_.stored.empty());
}

TEST_F(ChatImagesTest, AnImageOverTheLimitFails) {
  options_.max_image_bytes = 100;
  ChatImages small(store_.callback(), options_);
  auto rewritten = run(small.rewrite_text(make_data_url("image/png", make_png("big", 4096))));
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, "image_too_large");
}

TEST_F(ChatImagesTest, ALargeImageIsDecodedOnTheWorkers) {
  WorkerPool workers(1);
  options_.workers = &workers;
  options_.worker_decode_bytes = 1024;
  ChatImages pooled(store_.callback(), options_);
  const std::string png = make_png("large", 256 * 1024);
  auto rewritten = run(pooled.rewrite_text(make_data_url("image/png", png)));
  ASSERT_TRUE(rewritten.ok());
  ASSERT_EQ(store_.stored.size(), 1u);
  EXPECT_EQ(store_.stored[0].first, png);
}

TEST_F(ChatImagesTest, AStoreFailureIsTheError) {
  ChatImages failing(
      [](std::string, std::string) -> asio::awaitable<Result<std::string>> {
        co_return Error{"store_failed", "disk full"};
      },
      options_);
  auto rewritten = run(failing.rewrite_text(make_data_url("image/png", make_png())));
  ASSERT_FALSE(rewritten.ok());
  EXPECT_EQ(rewritten.error().code, "store_failed");
}

TEST(FindImageInText, APrefixAtTheEndIsPartialUnlessTheTextEnded) {
  for (const std::string text :
       {"d", "data:im", "data:image/png", "data:image/png;base6", "data:image/png;base64,AAAA", "![", "![alt",
        "![alt]", "![alt](", "![alt](data:image/png;base64,AA"}) {
    ImageInText found;
    std::size_t b64 = 0;
    EXPECT_EQ(find_image_in_text("x " + text, 0, false, found, b64), ScanResult::kPartial) << text;
    EXPECT_EQ(found.begin, 2u) << text;
  }
  ImageInText found;
  std::size_t b64 = 0;
  EXPECT_EQ(find_image_in_text("x data:im", 0, true, found, b64), ScanResult::kNone);
  EXPECT_EQ(find_image_in_text("x dog", 0, false, found, b64), ScanResult::kNone);
}

}  // namespace
}  // namespace picbot::gateway
