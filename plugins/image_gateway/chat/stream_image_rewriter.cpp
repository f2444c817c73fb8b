#include "plugins/image_gateway/chat/stream_image_rewriter.h"

namespace picbot::gateway {

using boost::asio::awaitable;

namespace {
constexpr std::size_t kMarkdownSlack = 512;
}  // namespace

StreamImageRewriter::StreamImageRewriter(ChatImages& images, std::size_t max_image_bytes)
    : images_(images), max_image_bytes_(max_image_bytes) {}

awaitable<Result<std::string>> StreamImageRewriter::feed(std::string_view content) {
  held_.append(content);
  co_return co_await take(/*at_end=*/false);
}

awaitable<Result<std::string>> StreamImageRewriter::images(const nlohmann::json& images) {
  auto before = co_await take(/*at_end=*/true);
  if (!before.ok()) co_return before;
  auto links = co_await images_.images_markdown(images);
  if (!links.ok()) co_return links;
  std::string out = std::move(before).value();
  if (!links->empty()) out += "\n" + *links + "\n";
  co_return out;
}

awaitable<Result<std::string>> StreamImageRewriter::finish() { co_return co_await take(/*at_end=*/true); }

awaitable<Result<std::string>> StreamImageRewriter::take(bool at_end) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    ImageInText found;
    std::size_t b64 = pos == 0 ? b64_scanned_ : 0;
    const ScanResult result = find_image_in_text(held_, pos, at_end, found, b64);
    if (result == ScanResult::kNone) {
      out.append(held_, pos);
      held_.clear();
      b64_scanned_ = 0;
      co_return out;
    }
    out.append(held_, pos, found.begin - pos);
    if (result == ScanResult::kPartial) {
      held_.erase(0, found.begin);
      b64_scanned_ = b64;
      // The URL is checked against the limit when stored; what surrounds it
      // (a markdown "![alt](", alt at most 256 characters) is allowed on top.
      if (held_.size() > max_image_bytes_ + kMarkdownSlack) {
        held_.clear();
        b64_scanned_ = 0;
        co_return Error{"image_too_large", "an image in the streamed answer exceeds " +
                                               std::to_string(max_image_bytes_) + " bytes of base64"};
      }
      co_return out;
    }
    auto url = co_await images_.store_data_url(found.data_url);
    if (!url.ok()) co_return url.error();
    out += "![" + std::string(found.markdown && !found.alt.empty() ? found.alt : "image") + "](" + *url + ")";
    pos = found.end;
  }
}

}  // namespace picbot::gateway
