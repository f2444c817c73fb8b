// Fuzz target: finding images in chat answer text (plugins/image_gateway/
// chat: find_image_in_text, ChatImages::rewrite_text, StreamImageRewriter)
// on arbitrary upstream text. The first input byte picks where the rest is
// cut into two deltas. The store accepts every image at once.
// Invariants: no crash; the streamed rewrite (two deltas, then finish)
// succeeds exactly when the whole-text rewrite does and gives the same text;
// the held-back bytes never exceed the limit; a found image's range lies in
// the text.
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "plugins/image_gateway/chat/chat_images.h"
#include "plugins/image_gateway/chat/stream_image_rewriter.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/run_coroutine.h"

using picbot::Result;
using picbot::gateway::ChatImageOptions;
using picbot::gateway::ChatImages;
using picbot::gateway::StreamImageRewriter;

namespace {

constexpr std::size_t kLimit = 4096;

boost::asio::awaitable<Result<std::string>> store(std::string, std::string) {
  co_return std::string("http://gw/images/x");
}

// The text fed as two deltas, then finish.
boost::asio::awaitable<Result<std::string>> rewrite_streamed(StreamImageRewriter& rewriter,
                                                             std::string_view first,
                                                             std::string_view second) {
  std::string out;
  for (std::string_view piece : {first, second}) {
    auto sent = co_await rewriter.feed(piece);
    if (!sent.ok()) co_return sent;
    FUZZ_CHECK(rewriter.held() <= kLimit + 512);
    out += *sent;
  }
  auto rest = co_await rewriter.finish();
  if (!rest.ok()) co_return rest;
  co_return out + *rest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);

  picbot::gateway::ImageInText found;
  std::size_t b64 = 0;
  if (find_image_in_text(text, 0, true, found, b64) == picbot::gateway::ScanResult::kFound) {
    FUZZ_CHECK(found.begin < found.end && found.end <= text.size());
  }

  boost::asio::io_context io;
  ChatImageOptions options;
  options.max_image_bytes = kLimit;
  ChatImages images(&store, options);
  auto whole = picbot::testing::run_coroutine(io, images.rewrite_text(text));
  StreamImageRewriter rewriter(images, kLimit);
  auto streamed =
      picbot::testing::run_coroutine(io, rewrite_streamed(rewriter, text.substr(0, cut), text.substr(cut)));
  FUZZ_CHECK(whole.ok() == streamed.ok());
  if (whole.ok()) FUZZ_CHECK(*whole == *streamed);
  return 0;
}
