#include "plugins/image_gateway/chat/stream_image_rewriter.h"

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

class StreamImageRewriterTest : public ::testing::Test {
 protected:
  StreamImageRewriterTest()
      : images_(
            [this](std::string bytes, std::string) -> asio::awaitable<Result<std::string>> {
              stored_.push_back(std::move(bytes));
              co_return "http://gw/images/" + std::to_string(stored_.size());
            },
            ChatImageOptions{}) {}

  // Feeds the pieces and finishes; each output piece is checked for base64.
  Result<std::string> stream(const std::vector<std::string>& pieces, std::size_t max_bytes = 20 << 20) {
    StreamImageRewriter rewriter(images_, max_bytes);
    return testing::run_coroutine(io_, [&]() -> asio::awaitable<Result<std::string>> {
      std::string out;
      for (const auto& piece : pieces) {
        auto sent = co_await rewriter.feed(piece);
        if (!sent.ok()) co_return sent;
        EXPECT_EQ(sent->find("base64"), std::string::npos) << *sent;
        out += *sent;
      }
      auto rest = co_await rewriter.finish();
      if (!rest.ok()) co_return rest;
      co_return out + *rest;
    }());
  }

  asio::io_context io_;
  std::vector<std::string> stored_;
  ChatImages images_;
};

TEST_F(StreamImageRewriterTest, PlainTextPassesThroughAtOnce) {
  StreamImageRewriter rewriter(images_, 1 << 20);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto first = co_await rewriter.feed("Hello, ");
    EXPECT_EQ(first.value(), "Hello, ");
    auto second = co_await rewriter.feed("world.");
    EXPECT_EQ(second.value(), "world.");
    EXPECT_EQ(rewriter.held(), 0u);
    auto third = co_await rewriter.feed(" Wow!");  // a "!" at the end may start "![": held
    EXPECT_EQ(third.value(), " Wow");
    auto fourth = co_await rewriter.feed(" Yes.");
    EXPECT_EQ(fourth.value(), "! Yes.");
  }());
}

TEST_F(StreamImageRewriterTest, OnlyAPossibleImageIsHeldBack) {
  StreamImageRewriter rewriter(images_, 1 << 20);
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto first = co_await rewriter.feed("Here: data:ima");
    EXPECT_EQ(first.value(), "Here: ");
    EXPECT_EQ(rewriter.held(), 8u);
    auto second = co_await rewriter.feed("gine that");  // "data:imagine" is no image
    EXPECT_EQ(second.value(), "data:imagine that");
    auto third = co_await rewriter.feed("![alt");
    EXPECT_EQ(third.value(), "");
    auto fourth = co_await rewriter.feed("](http://x/a.png)");
    EXPECT_EQ(fourth.value(), "![alt](http://x/a.png)");
  }());
}

TEST_F(StreamImageRewriterTest, EveryCutGivesTheSameAnswerAndNoBase64) {
  const std::string png = make_png("cut");
  const std::string jpeg = make_jpeg();
  const std::string text = "Look: ![a cat](" + make_data_url("image/png", png) + ") and " +
                           make_data_url("image/jpeg", jpeg) + " done";
  auto whole = stream({text});
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  EXPECT_EQ(*whole, "Look: ![a cat](http://gw/images/1) and ![image](http://gw/images/2) done");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    stored_.clear();
    auto two = stream({text.substr(0, cut), text.substr(cut)});
    ASSERT_TRUE(two.ok()) << cut << ": " << two.error().message;
    ASSERT_EQ(*two, *whole) << "cut at " << cut;
    ASSERT_EQ(stored_.size(), 2u);
    EXPECT_EQ(stored_[0], png);
  }
}

TEST_F(StreamImageRewriterTest, TrickyCutsInsideTheMarkerTheBase64AndTheParenthesis) {
  const std::string url = make_data_url("image/png", make_png("tricky"));
  const std::string text = "x ![p](" + url + ") y";
  const std::size_t marker = text.find(";base64,") + 3;  // inside "data:image/png;base64,"
  const std::size_t inside_b64 = text.find(";base64,") + 20;
  const std::size_t paren = text.find("](") + 1;  // between "]" and "("
  auto cut = stream({text.substr(0, paren), text.substr(paren, marker - paren),
                     text.substr(marker, inside_b64 - marker), text.substr(inside_b64)});
  ASSERT_TRUE(cut.ok()) << cut.error().message;
  EXPECT_EQ(*cut, "x ![p](http://gw/images/1) y");
  // One byte per delta, as a slow upstream may send it.
  stored_.clear();
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  auto single = stream(bytes);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(*single, *cut);
}

TEST_F(StreamImageRewriterTest, AnImageAtTheVeryEndIsStoredAtFinish) {
  auto out = stream({"end: ", make_data_url("image/png", make_png())});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "end: ![image](http://gw/images/1)");
}

TEST_F(StreamImageRewriterTest, AHeldImageOverTheLimitFails) {
  auto out = stream(
      {"data:image/png;base64,", std::string(600, 'A'), std::string(600, 'A'), std::string(600, 'A')}, 1000);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "image_too_large");
}

TEST_F(StreamImageRewriterTest, ACutOffImageAtTheEndFailsRatherThanLeak) {
  const std::string url = make_data_url("image/png", make_png());
  auto out = stream({"x ", url.substr(0, url.size() - 10)});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, "bad_image");
}

TEST_F(StreamImageRewriterTest, DeltaImagesBecomeLinkLines) {
  StreamImageRewriter rewriter(images_, 1 << 20);
  const json images = json::array(
      {{{"type", "image_url"}, {"image_url", {{"url", make_data_url("image/png", make_png("d"))}}}}});
  testing::run_coroutine(io_, [&]() -> asio::awaitable<void> {
    auto text = co_await rewriter.feed("made it da");
    EXPECT_EQ(text.value(), "made it ");
    auto links = co_await rewriter.images(images);
    EXPECT_EQ(links.value(), "da\n![image](http://gw/images/1)\n");
  }());
}

}  // namespace
}  // namespace picbot::gateway
