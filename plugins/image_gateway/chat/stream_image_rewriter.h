// StreamImageRewriter: ChatImages for a streamed answer. Fed each delta's
// content as it comes, it gives back at once the text that cannot be part of
// an image, and holds back only what may still become one (a "data:image/"
// URL or a markdown image around it cut across deltas) until it is complete;
// then the image is stored and its link goes out instead. Never a byte of
// base64 to the client: a held image larger than max_image_bytes fails
// ("image_too_large"), and at the end of the stream what is held is either a
// complete image or text that never was one.
//
// Thread-safety: none; one object per streamed choice, one coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "plugins/image_gateway/chat/chat_images.h"

namespace picbot::gateway {

class StreamImageRewriter {
 public:
  // REQUIRES: images outlives this object.
  StreamImageRewriter(ChatImages& images, std::size_t max_image_bytes);

  // The text to send now for this piece of content ("" while all is held).
  boost::asio::awaitable<Result<std::string>> feed(std::string_view content);

  // A delta's images[] (OpenRouter streaming): what is held, then one link
  // line per image.
  boost::asio::awaitable<Result<std::string>> images(const nlohmann::json& images);

  // The end of the stream: whatever is held, its image (if any) stored.
  boost::asio::awaitable<Result<std::string>> finish();

  // Bytes held back, waiting for the rest of a possible image.
  std::size_t held() const { return held_.size(); }

 private:
  boost::asio::awaitable<Result<std::string>> take(bool at_end);

  ChatImages& images_;
  std::size_t max_image_bytes_;
  std::string held_;
  std::size_t b64_scanned_ = 0;  // of the match held_ starts with
};

}  // namespace picbot::gateway
