// Images in chat answers, turned into links: every base64 image an upstream
// puts in a chat answer is stored through a callback and replaced by
// `![image](<url>)`, so no base64 reaches the client (OpenWebUI shows links,
// not data URLs; PicGate relayed streamed base64 raw).
//
// Found: OpenRouter's `message.images[]` / `delta.images[]`
// ({type:"image_url", image_url:{url:"data:..."}}); `data:image/<t>;base64,`
// URLs in string content, markdown (`![alt](data:...)`, the alt kept) or
// bare; image parts of an array content ({type:"image_url",image_url:{url}}
// with a data URL, {type:"image", image:<base64>}), which become image_url
// parts with the stored URL. Every image is decoded and verified by its
// magic bytes (image/format.h) before it is stored; large ones are decoded on
// the workers.
//
// Thread-safety: none; use one object per answer from one coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/core/worker_pool.h"

namespace picbot::gateway {

// Stores one verified image and returns the URL the client will see.
using StoreImage =
    std::function<boost::asio::awaitable<Result<std::string>>(std::string bytes, std::string mime)>;

struct ChatImageOptions {
  // One image's base64 text above this fails the answer ("image_too_large").
  std::size_t max_image_bytes = 20 * 1024 * 1024;
  WorkerPool* workers = nullptr;  // when set, images of at least worker_decode_bytes are decoded there
  std::size_t worker_decode_bytes = 64 * 1024;
};

// Error codes: "image_too_large", "bad_image" (not base64 of a PNG, JPEG or
// WEBP), or the store's own error.
class ChatImages {
 public:
  ChatImages(StoreImage store, ChatImageOptions options);

  // A non-streamed chat.completion: every choice's message rewritten in place.
  boost::asio::awaitable<Status> rewrite_completion(nlohmann::json& completion);

  // One message object (role, content, images): content rewritten, images
  // stored and appended to the content as links, "images" removed.
  boost::asio::awaitable<Status> rewrite_message(nlohmann::json& message);

  // Text with every complete data URL image replaced (markdown keeps its alt).
  boost::asio::awaitable<Result<std::string>> rewrite_text(std::string_view text);

  // OpenRouter's images array as markdown lines ("![image](<url>)", one per
  // line); entries without a data URL are skipped.
  boost::asio::awaitable<Result<std::string>> images_markdown(const nlohmann::json& images);

  // Decodes a data URL (or, with mime empty, bare base64), verifies and stores it.
  boost::asio::awaitable<Result<std::string>> store_data_url(std::string_view data_url);
  boost::asio::awaitable<Result<std::string>> store_base64(std::string_view base64);

  // Stores image bytes already verified (a drawing); counts like the others.
  boost::asio::awaitable<Result<std::string>> store_bytes(std::string bytes, std::string mime);

  // Images stored so far.
  std::size_t stored() const { return stored_; }
  std::size_t max_image_bytes() const { return options_.max_image_bytes; }

 private:
  StoreImage store_;
  ChatImageOptions options_;
  std::size_t stored_ = 0;
};

// Where a data URL image sits in text: [begin, end) covers the whole match
// (the markdown `![alt](...)` or the bare URL); data_url is the URL itself.
struct ImageInText {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view alt;  // markdown only
  std::string_view data_url;
  bool markdown = false;
};

// Scans text for the next data URL image at or after `from`.
//  - kFound: `found` is set.
//  - kPartial: text ends inside what may still become one (a prefix of
//    "data:image/", of its type, ";base64,", the base64, or a markdown
//    image around it); `found.begin` is where it starts. Only when
//    !at_end; at the end a cut-off URL with base64 counts as found.
//  - kNone: none.
// b64_scanned (in/out) lets a caller that feeds a growing buffer skip base64
// already checked: the offset, from the match's start, up to which the
// payload is known to be base64 (0 to check all).
enum class ScanResult { kNone, kPartial, kFound };
ScanResult find_image_in_text(std::string_view text, std::size_t from, bool at_end, ImageInText& found,
                              std::size_t& b64_scanned);

}  // namespace picbot::gateway
