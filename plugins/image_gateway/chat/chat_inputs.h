// What an image model alias is asked in a chat request: the prompt is the
// text of the last user message, its images the references. Images come as
// data URLs (decoded and verified; large ones on the workers), as this
// gateway's own `/images/<id>` links (read from the store, no HTTP; any host,
// as the gateway may sit behind a proxy, like PicGate), or as other http(s)
// URLs, fetched through the SSRF guard (image/download.h) only when
// allow_external_image_fetch is set.
//
// Errors are values whose code the route answers with 400
// invalid_request_error (param "messages"): "no_prompt", "bad_image",
// "image_too_large", "too_many_images", "external_image_refused",
// "image_not_found", "image_download_failed".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/download.h"
#include "image/provider.h"

namespace picbot::gateway {

struct ChatImagePrompt {
  std::string prompt;
  std::vector<image::ReferenceImage> references;  // in the message's order
};

struct ChatInputOptions {
  std::size_t max_references = 4;
  std::size_t max_data_url_bytes = 20 * 1024 * 1024;  // of one data URL's text
  bool allow_external_image_fetch = false;
  image::DownloadOptions download;  // for external URLs: timeout, size, proxy
  WorkerPool* workers = nullptr;    // when set, data URLs of at least worker_decode_bytes are decoded there
  std::size_t worker_decode_bytes = 64 * 1024;
};

// One of this gateway's stored images by id; an error (not_found) when the id
// is unknown or expired.
using ReadOwnImage = std::function<boost::asio::awaitable<Result<image::ReferenceImage>>(std::string id)>;

// The prompt and references of `messages` (a chat request's array). The
// last message with role "user" counts: its string content (markdown images
// of data URLs or own links in it become references and leave the prompt),
// or the text parts of its array content joined by "\n" and its image parts
// ({type:"image_url", image_url:{url} or url}, {type:"image", image:<base64>}).
boost::asio::awaitable<Result<ChatImagePrompt>> read_chat_prompt(const nlohmann::json& messages,
                                                                 const ReadOwnImage& read_own,
                                                                 net::HttpClient& http,
                                                                 const ChatInputOptions& options);

// The id in an own image link: the path "/images/<id>" of an http(s) URL or
// of a bare path, id of 1..128 characters [A-Za-z0-9._-] (no "..");
// nullopt for anything else.
std::optional<std::string> own_image_id(std::string_view url);

}  // namespace picbot::gateway
