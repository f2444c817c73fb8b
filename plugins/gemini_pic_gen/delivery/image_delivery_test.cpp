#include "plugins/gemini_pic_gen/delivery/image_delivery.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <fstream>
#include <optional>

#include "bot/onebot/base64.h"
#include "file_receiver/file_receiver.h"
#include "tests/fakes/napcat/in_process_bot_api.h"
#include "tests/fakes/napcat/napcat_actions.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/held_worker.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::gemini {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const std::string& file_of(const DeliveryResult& result) {
  return std::get<onebot::Image>(result.segment).file;
}

class ImageDeliveryTest : public ::testing::Test {
 protected:
  ImageDeliveryTest() {
    image_.id = "0123456789abcdef0123456789abcdef";
    file_ = dir_.write_file("gemini_image_20250101_120000_0123abcd.png", bytes_);
    image_.extension = "png";
    image_.mime = "image/png";
    image_.size = bytes_.size();
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), std::chrono::seconds(20));
  }

  DeliveryResult deliver(DeliveryOptions options) {
    return run(prepare_image_segment(ctx_, image_, file_, bytes_, options, workers_));
  }

  static DeliveryOptions mode(DeliveryMode m) {
    DeliveryOptions options;
    options.mode = m;
    return options;
  }

  // What NapCat says when the segment is sent to a group.
  int send_to_group(const DeliveryResult& result) {
    testing::ApiCall call;
    call.action = "send_group_msg";
    call.params = {{"group_id", 1}, {"message", json::array({onebot::segment_to_json(result.segment)})}};
    return api_.actions.handle(call).retcode;
  }

  std::string base64_of_bytes() const { return "base64://" + onebot::base64_encode(bytes_); }

  testing::TempDir dir_;
  const std::string bytes_ = testing::make_png("delivered", 1000);
  StoredImage image_;
  std::optional<std::filesystem::path> file_;
  boost::asio::io_context io_;
  WorkerPool workers_{1};
  testing::InProcessBotApi api_;
  MessageContext ctx_{
      std::make_shared<onebot::MessageEvent>(onebot::MessageEvent{.self_id = 10001, .group_id = 1}), api_,
      std::make_shared<BotSettings>()};
};

TEST(DeliveryMode, ParsesTheConfigNames) {
  for (std::string_view name : {"auto", "base64", "file", "file_send", "stream", "url"}) {
    auto parsed = parse_delivery_mode(name);
    ASSERT_TRUE(parsed.ok()) << name;
    EXPECT_EQ(to_string(parsed.value()), name);
  }
  EXPECT_EQ(parse_delivery_mode("file_send").value(), DeliveryMode::kFileSend);
  auto bad = parse_delivery_mode("ftp");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "bad_config");
}

TEST(DeliveryMode, Sha256IsLowerCaseHex) {
  EXPECT_EQ(sha256_hex("hello world"), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

TEST_F(ImageDeliveryTest, Base64InlinesTheBytes) {
  const auto result = deliver(mode(DeliveryMode::kBase64));
  EXPECT_EQ(result.used, DeliveryMode::kBase64);
  EXPECT_EQ(file_of(result), base64_of_bytes());
  EXPECT_TRUE(result.fallback_reason.empty());
  EXPECT_EQ(send_to_group(result), 0);
}

// Issue 23: a 2 MB image's base64 takes milliseconds that a /ping on the
// event loop would wait for. With the only worker held, the loop runs dry and
// the segment is still not there: it is made on the worker, not on the loop.
TEST_F(ImageDeliveryTest, ALargeImagesBase64IsMadeOnAWorkerWhileTheLoopStaysFree) {
  const std::string large = testing::make_png("large", 512 * 1024);
  testing::HeldWorker held(workers_);
  std::optional<DeliveryResult> result;
  bool loop_turned = false;
  boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        result =
            co_await prepare_image_segment(ctx_, image_, file_, large, mode(DeliveryMode::kBase64), workers_);
      },
      boost::asio::detached);
  boost::asio::post(io_, [&] { loop_turned = true; });  // what a /ping would be
  io_.poll();
  EXPECT_TRUE(loop_turned);
  EXPECT_FALSE(result.has_value()) << "the base64 was made on the event loop";
  held.release();
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!result && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(file_of(*result), "base64://" + onebot::base64_encode(large));
}

// The send_group_msg text around that segment (megabytes of JSON string) is
// written on a worker too, and reaches NapCat intact.
TEST_F(ImageDeliveryTest, ALargeReplyIsWrittenOnAWorkerWhileTheLoopStaysFree) {
  const std::string large = testing::make_png("large", 512 * 1024);
  testing::HeldWorker held(workers_);
  std::optional<MessageIdResult> sent;
  onebot::Message message{base64_image_segment(large), onebot::Text{"\nnote"}};
  boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        sent = co_await ctx_.reply(std::move(message), false, workers_);
      },
      boost::asio::detached);
  io_.poll();
  EXPECT_TRUE(api_.calls.empty()) << "the request was written on the event loop";
  held.release();
  io_.restart();
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!sent && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(sent->ok()) << sent->error().describe();
  ASSERT_EQ(api_.calls.size(), 1u);
  EXPECT_EQ(api_.calls[0].action, "send_group_msg");
  EXPECT_EQ(api_.calls[0].params["group_id"], 1);
  EXPECT_EQ(api_.calls[0].params["message"][0]["data"]["file"], "base64://" + onebot::base64_encode(large));
  EXPECT_EQ(api_.calls[0].params["message"][1]["data"]["text"], "\nnote");
}

TEST_F(ImageDeliveryTest, FileSendsAnAbsoluteFileUrl) {
  const auto result = deliver(mode(DeliveryMode::kFile));
  EXPECT_EQ(result.used, DeliveryMode::kFile);
  EXPECT_EQ(file_of(result), "file://" + file_->string());
  EXPECT_EQ(send_to_group(result), 0);
}

TEST_F(ImageDeliveryTest, UrlUsesThePublicBaseUrlOrFallsBack) {
  DeliveryOptions options = mode(DeliveryMode::kUrl);
  options.public_base_url = "https://bot.example.com/";
  auto result = deliver(options);
  EXPECT_EQ(result.used, DeliveryMode::kUrl);
  EXPECT_EQ(file_of(result), "https://bot.example.com/images/0123456789abcdef0123456789abcdef");

  options.public_base_url.clear();
  result = deliver(options);
  EXPECT_EQ(result.used, DeliveryMode::kBase64);
  EXPECT_EQ(file_of(result), base64_of_bytes());
  EXPECT_NE(result.fallback_reason.find("public_base_url"), std::string::npos) << result.fallback_reason;
}

TEST_F(ImageDeliveryTest, StreamUploadsChunksAndSendsNapCatsPath) {
  DeliveryOptions options = mode(DeliveryMode::kStream);
  options.stream_chunk_bytes = 300;
  const auto result = deliver(options);
  ASSERT_EQ(result.used, DeliveryMode::kStream) << result.fallback_reason;
  const fs::path stored = file_of(result);
  EXPECT_EQ(stored.parent_path(), testing::NapCatActions::stream_directory());
  EXPECT_EQ(slurp(stored), bytes_);
  EXPECT_EQ(send_to_group(result), 0);

  const std::size_t chunks = (bytes_.size() + 299) / 300;
  ASSERT_EQ(api_.calls.size(), chunks + 1);
  const std::string stream_id = api_.calls[0].params["stream_id"];
  std::string reassembled;
  for (std::size_t i = 0; i < chunks; ++i) {
    const json& params = api_.calls[i].params;
    EXPECT_EQ(api_.calls[i].action, "upload_file_stream");
    EXPECT_EQ(params["stream_id"], stream_id);
    EXPECT_EQ(params["chunk_index"], i);
    EXPECT_EQ(params["total_chunks"], chunks);
    EXPECT_EQ(params["file_size"], bytes_.size());
    EXPECT_EQ(params["expected_sha256"], sha256_hex(bytes_));
    EXPECT_EQ(params["filename"], file_->filename().string());
    EXPECT_EQ(params["file_retention"], 300000);
    reassembled += onebot::base64_decode(params["chunk_data"].get<std::string>()).value();
  }
  EXPECT_EQ(reassembled, bytes_);
  EXPECT_EQ(api_.calls[chunks].params, (json{{"stream_id", stream_id}, {"is_complete", true}}));
  fs::remove(stored);
}

TEST_F(ImageDeliveryTest, StreamErrorsFallBackToBase64) {
  api_.actions.set_handler("upload_file_stream", [](const testing::ApiCall&) {
    return testing::ApiReply::failed(testing::kRetcodeFailed, "磁盘空间不足");
  });
  const auto result = deliver(mode(DeliveryMode::kStream));
  EXPECT_EQ(result.used, DeliveryMode::kBase64);
  EXPECT_EQ(file_of(result), base64_of_bytes());
  EXPECT_NE(result.fallback_reason.find("upload_file_stream chunk 1/1"), std::string::npos)
      << result.fallback_reason;
  EXPECT_NE(result.fallback_reason.find("1200"), std::string::npos) << result.fallback_reason;
}

TEST_F(ImageDeliveryTest, AutoStreamsOnlyAboveTheThreshold) {
  DeliveryOptions options = mode(DeliveryMode::kAuto);
  options.stream_threshold_bytes = bytes_.size();
  auto result = deliver(options);
  EXPECT_EQ(result.used, DeliveryMode::kBase64);
  EXPECT_TRUE(api_.calls.empty());

  options.stream_threshold_bytes = 16;
  result = deliver(options);
  ASSERT_EQ(result.used, DeliveryMode::kStream) << result.fallback_reason;
  EXPECT_EQ(slurp(file_of(result)), bytes_);
  fs::remove(file_of(result));
}

// A receiver on 127.0.0.1 is still a receiver (e.g. the published port of
// NapCat's container): file_send is not turned into file.
TEST_F(ImageDeliveryTest, FileSendToALoopbackReceiverUsesTheReceiversPath) {
  WorkerPool pool(1);
  filesend::ReceiverOptions receiver_options;
  receiver_options.listen = {boost::asio::ip::make_address("127.0.0.1"), 0};
  receiver_options.directory = dir_.path() / "napcat-side";
  filesend::FileReceiver receiver(io_.get_executor(), receiver_options, pool);
  auto endpoint = receiver.listen();
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().to_string();
  receiver.start();

  DeliveryOptions options = mode(DeliveryMode::kFileSend);
  options.nap_server_address = "127.0.0.1";
  options.nap_server_port = endpoint->port();
  const auto result = deliver(options);
  receiver.stop();
  io_.restart();
  io_.run_for(5s);  // lets the receiver's loops end; returns as soon as they have
  ASSERT_EQ(result.used, DeliveryMode::kFileSend) << result.fallback_reason;
  const fs::path remote = file_of(result);
  EXPECT_TRUE(remote.is_absolute());
  EXPECT_EQ(remote.parent_path(), receiver.directory());
  EXPECT_EQ(slurp(remote), bytes_);
}

TEST_F(ImageDeliveryTest, UnreachableReceiverFallsBackToBase64) {
  std::uint16_t closed_port = 0;
  {
    boost::asio::ip::tcp::acceptor probe(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }
  DeliveryOptions options = mode(DeliveryMode::kFileSend);
  options.nap_server_address = "127.0.0.1";
  options.nap_server_port = closed_port;
  options.file_send_token = "receiver-token-secret";
  const auto result = deliver(options);
  EXPECT_EQ(result.used, DeliveryMode::kBase64);
  EXPECT_EQ(file_of(result), base64_of_bytes());
  EXPECT_NE(result.fallback_reason.find("refused"), std::string::npos) << result.fallback_reason;
  EXPECT_EQ(result.fallback_reason.find("receiver-token-secret"), std::string::npos);
}

}  // namespace
}  // namespace picbot::gemini
