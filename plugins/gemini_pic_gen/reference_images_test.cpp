#include "plugins/gemini_pic_gen/reference_images.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "bot/onebot/base64.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/napcat/in_process_bot_api.h"
#include "tests/fakes/napcat/napcat_actions.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/held_worker.h"
#include "tests/support/run_coroutine.h"

namespace picbot::gemini {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Reason = ReferenceFailure::Reason;
using testing::FakeHttpResponse;

onebot::Segment image_url(std::string url) {
  return onebot::Image{.file = "ABCD.png", .url = std::move(url)};
}

class ReferenceImagesTest : public ::testing::Test {
 protected:
  ReferenceImagesTest() {
    options_.allow_private_network = true;  // the fake server is on loopback
    options_.timeout = 10s;
    serve("/a.png", png_a_);
    serve("/b.jpg", jpeg_);
    serve("/q.webp", webp_);
  }

  void serve(const std::string& path, std::string body, std::chrono::milliseconds delay = 0ms) {
    server_.on("GET", path, [body, delay](const testing::FakeHttpRequest&) {
      FakeHttpResponse response = FakeHttpResponse::text(body);
      response.delay = delay;
      return response;
    });
  }

  std::string url(const std::string& path) const { return server_.base_url() + path; }

  CollectedReferences collect(onebot::Message message) {
    MessageContext ctx = context_for(std::move(message));
    return testing::run_coroutine(io_, collect_reference_images(ctx, http_, workers_, options_), 30s);
  }

  MessageContext context_for(onebot::Message message) {
    auto event = std::make_shared<onebot::MessageEvent>();
    event->self_id = 10001;
    event->user_id = 2;
    event->group_id = 1;
    event->message_id = 77;
    event->message_type = "group";
    event->message = std::move(message);
    return MessageContext(event, api_, std::make_shared<BotSettings>());
  }

  // Remembers a message holding images for get_msg; returns its id.
  std::int64_t remember_quoted(std::vector<std::string> urls) {
    json message = json::array({{{"type", "text"}, {"data", {{"text", "look"}}}}});
    for (const auto& u : urls)
      message.push_back({{"type", "image"}, {"data", {{"file", "Q.webp"}, {"url", u}}}});
    const std::int64_t id = api_.actions.next_message_id();
    api_.actions.remember(id, {{"message_id", id}, {"message_type", "group"}, {"message", message}});
    return id;
  }

  const std::string png_a_ = testing::make_png("a");
  const std::string jpeg_ = testing::make_jpeg();
  const std::string webp_ = testing::make_webp();
  testing::FakeHttpServer server_;
  boost::asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  WorkerPool workers_{1};
  testing::InProcessBotApi api_;
  ReferenceOptions options_;
};

TEST_F(ReferenceImagesTest, OwnImagesFirstThenTheQuotedOnes) {
  const std::int64_t quoted = remember_quoted({url("/q.webp")});
  auto collected = collect({onebot::Reply{std::to_string(quoted)}, image_url(url("/a.png")),
                            onebot::Text{"draw"}, image_url(url("/b.jpg"))});
  EXPECT_TRUE(collected.failures.empty());
  ASSERT_EQ(collected.images.size(), 3u);
  EXPECT_EQ(collected.images[0].bytes, png_a_);
  EXPECT_EQ(collected.images[0].mime, "image/png");
  EXPECT_EQ(collected.images[1].bytes, jpeg_);
  EXPECT_EQ(collected.images[1].mime, "image/jpeg");
  EXPECT_EQ(collected.images[2].bytes, webp_);
  EXPECT_EQ(collected.images[2].mime, "image/webp");

  ASSERT_EQ(api_.calls.size(), 1u);
  EXPECT_EQ(api_.calls[0].action, "get_msg");
  EXPECT_EQ(api_.calls[0].params, (json{{"message_id", quoted}}));  // a number, not the segment's string
}

TEST_F(ReferenceImagesTest, KeepsSegmentOrderWhenTheFirstDownloadIsSlowest) {
  serve("/slow.png", png_a_, 300ms);
  auto collected = collect({image_url(url("/slow.png")), image_url(url("/b.jpg"))});
  ASSERT_EQ(collected.images.size(), 2u);
  EXPECT_EQ(collected.images[0].bytes, png_a_);
  EXPECT_EQ(collected.images[1].bytes, jpeg_);
}

TEST_F(ReferenceImagesTest, PrivateAddressesAreBlockedUnlessAllowed) {
  options_.allow_private_network = false;
  auto collected = collect({image_url(url("/a.png"))});
  EXPECT_TRUE(collected.images.empty());
  ASSERT_EQ(collected.failures.size(), 1u);
  EXPECT_EQ(collected.failures[0].index, 1);
  EXPECT_EQ(collected.failures[0].reason, Reason::kBlockedAddress);
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(ReferenceImagesTest, OversizedImagesAreSkipped) {
  options_.max_bytes = 1000;
  serve("/big.png", testing::make_png("big", 5000));
  auto collected =
      collect({image_url(url("/big.png")), image_url(url("/b.jpg")),
               onebot::Image{.file = "base64://" + onebot::base64_encode(testing::make_png("b", 3000))}});
  ASSERT_EQ(collected.images.size(), 1u);
  EXPECT_EQ(collected.images[0].bytes, jpeg_);
  ASSERT_EQ(collected.failures.size(), 2u);
  EXPECT_EQ(collected.failures[0].index, 1);
  EXPECT_EQ(collected.failures[0].reason, Reason::kTooLarge);
  EXPECT_EQ(collected.failures[1].index, 3);
  EXPECT_EQ(collected.failures[1].reason, Reason::kTooLarge);
}

TEST_F(ReferenceImagesTest, NonImagesAndHttpErrorsAreSkipped) {
  serve("/anim.gif", "GIF89a\x01\x00\x01\x00");
  serve("/page.html", "<html>not an image</html>");
  server_.on("GET", "/missing.png",
             [](const testing::FakeHttpRequest&) { return FakeHttpResponse::text("", 404); });
  auto collected =
      collect({image_url(url("/anim.gif")), image_url(url("/page.html")), image_url(url("/missing.png"))});
  EXPECT_TRUE(collected.images.empty());
  ASSERT_EQ(collected.failures.size(), 3u);
  EXPECT_EQ(collected.failures[0].reason, Reason::kNotAnImage);
  EXPECT_EQ(collected.failures[1].reason, Reason::kNotAnImage);
  EXPECT_EQ(collected.failures[2].reason, Reason::kDownloadFailed);
  EXPECT_EQ(collected.failures[2].detail, "HTTP 404");
}

TEST_F(ReferenceImagesTest, OnlyTheFirstMaxCountAreFetched) {
  options_.max_count = 3;
  const std::int64_t quoted = remember_quoted({url("/q.webp"), url("/q.webp")});
  auto collected = collect({image_url(url("/a.png")), image_url(url("/b.jpg")), image_url(url("/a.png")),
                            onebot::Reply{std::to_string(quoted)}});
  EXPECT_EQ(collected.images.size(), 3u);
  ASSERT_EQ(collected.failures.size(), 2u);
  EXPECT_EQ(collected.failures[0].index, 4);
  EXPECT_EQ(collected.failures[0].reason, Reason::kTooMany);
  EXPECT_EQ(collected.failures[1].index, 5);
  EXPECT_EQ(server_.request_count(), 3u);
}

// NapCat allows a reply segment with only seq; get_msg cannot load by seq.
TEST_F(ReferenceImagesTest, AQuoteBySeqOnlyIsReportedAndTheRestGoesOn) {
  auto collected = collect({onebot::Reply{.seq = 77}, image_url(url("/a.png"))});
  ASSERT_EQ(collected.images.size(), 1u);
  ASSERT_EQ(collected.failures.size(), 1u);
  EXPECT_EQ(collected.failures[0].reason, Reason::kQuoteUnavailable);
}

TEST_F(ReferenceImagesTest, AnEvictedQuoteIsReportedAndTheRestGoesOn) {
  auto collected = collect({onebot::Reply{"999999"}, image_url(url("/a.png"))});
  ASSERT_EQ(collected.images.size(), 1u);
  EXPECT_EQ(collected.images[0].bytes, png_a_);
  ASSERT_EQ(collected.failures.size(), 1u);
  EXPECT_EQ(collected.failures[0].index, 0);
  EXPECT_EQ(collected.failures[0].reason, Reason::kQuoteUnavailable);
  EXPECT_NE(collected.failures[0].detail.find("1200"), std::string::npos) << collected.failures[0].detail;
}

TEST_F(ReferenceImagesTest, InlineBase64AndFileUrlsAreUsedOtherSchemesAreNot) {
  auto collected =
      collect({onebot::Image{.file = "base64://" + onebot::base64_encode(png_a_)},
               onebot::Image{.file = url("/b.jpg")}, onebot::Image{.file = "ABCD.jpg"},
               onebot::Image{.file = "file:///etc/passwd"}, onebot::Image{.file = "base64://not*base64"}});
  ASSERT_EQ(collected.images.size(), 2u);
  EXPECT_EQ(collected.images[0].bytes, png_a_);
  EXPECT_EQ(collected.images[1].bytes, jpeg_);
  EXPECT_EQ(server_.request_count(), 1u);
  // max_count (3) cuts off the fourth and fifth.
  ASSERT_EQ(collected.failures.size(), 3u);
  EXPECT_EQ(collected.failures[0].index, 3);
  EXPECT_EQ(collected.failures[0].reason, Reason::kUnsupportedScheme);
  EXPECT_EQ(collected.failures[1].reason, Reason::kTooMany);
  EXPECT_EQ(collected.failures[2].reason, Reason::kTooMany);

  options_.max_count = 5;
  collected =
      collect({onebot::Image{.file = "file:///etc/passwd"}, onebot::Image{.file = "base64://not*base64"}});
  ASSERT_EQ(collected.failures.size(), 2u);
  EXPECT_EQ(collected.failures[0].reason, Reason::kUnsupportedScheme);
  EXPECT_EQ(collected.failures[0].detail, "file");
  EXPECT_EQ(collected.failures[1].reason, Reason::kNotAnImage);
}

// Issue 23: decoding megabytes of inline base64 would hold up every other
// message. With the only worker held, the loop runs dry and the image is still
// not decoded: that happens on the worker.
TEST_F(ReferenceImagesTest, ALargeInlineImageIsDecodedOnAWorkerWhileTheLoopStaysFree) {
  const std::string large = testing::make_png("large", 512 * 1024);
  MessageContext ctx = context_for({onebot::Image{.file = "base64://" + onebot::base64_encode(large)}});
  testing::HeldWorker held(workers_);
  std::optional<CollectedReferences> collected;
  boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        collected = co_await collect_reference_images(ctx, http_, workers_, options_);
      },
      boost::asio::detached);
  io_.poll();
  EXPECT_FALSE(collected.has_value()) << "the image was decoded on the event loop";
  held.release();
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!collected && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
  ASSERT_TRUE(collected.has_value());
  EXPECT_TRUE(collected->failures.empty());
  ASSERT_EQ(collected->images.size(), 1u);
  EXPECT_EQ(collected->images[0].bytes, large);
  EXPECT_EQ(collected->images[0].mime, "image/png");
}

TEST(DescribeFailures, OneSentencePerFailureInTheUsersLanguage) {
  register_reference_messages();
  const std::vector<ReferenceFailure> failures = {{0, Reason::kQuoteUnavailable, "retcode 1200"},
                                                  {2, Reason::kDownloadFailed, "HTTP 404"},
                                                  {4, Reason::kTooMany, ""},
                                                  {5, Reason::kTooMany, ""}};
  EXPECT_EQ(describe_failures(failures, "zh-CN"),
            "无法读取被引用的消息（可能已过期），其中的图片未被使用。第 2 张参考图下载失败，已跳过。"
            "最多使用 3 张参考图，其余 2 张已忽略。");
  EXPECT_EQ(describe_failures(failures, "en"),
            "The quoted message could not be loaded (it may have expired); its images were not used. "
            "Reference image 2 could not be downloaded and was skipped. "
            "Only the first 3 reference images were used; 2 more were ignored.");
  EXPECT_EQ(describe_failures({{1, Reason::kBlockedAddress, ""}}, "en"),
            "Reference image 1 points to a private network address and was skipped.");
  EXPECT_EQ(describe_failures({}, "zh-CN"), "");
  for (Reason reason :
       {Reason::kDownloadFailed, Reason::kTooLarge, Reason::kNotAnImage, Reason::kUnsupportedScheme,
        Reason::kBlockedAddress, Reason::kQuoteUnavailable, Reason::kTooMany}) {
    const std::string text = describe_failures({{1, reason, ""}}, "zh-CN");
    EXPECT_EQ(text.find("gemini.ref."), std::string::npos) << text;  // every key is registered
  }
}

}  // namespace
}  // namespace picbot::gemini
