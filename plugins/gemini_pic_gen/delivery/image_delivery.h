// Image delivery: turns a stored image into the image segment NapCat can load,
// by the configured route (inline base64, a file:// path, the file-transfer
// receiver next to NapCat, NapCat's upload_file_stream, or a public URL).
// A route that fails falls back to base64, so the user always gets the image.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/onebot/segment.h"
#include "bot/plugin/message_context.h"
#include "image/storage/image_store.h"

namespace picbot::gemini {

using image::ImageMeta;
using image::ImageStore;
using image::StoredImage;

enum class DeliveryMode {
  kAuto,      // base64, or stream above stream_threshold_bytes
  kBase64,    // "base64://..." in the message frame (fits NapCat's 50 MB frames up to ~37 MB)
  kFile,      // "file:///abs/path": NapCat must see the bot's files at the same path
  kFileSend,  // file-transfer receiver at nap_server_address:nap_server_port, then its path
  kStream,    // upload_file_stream chunks, then the file_path NapCat returns
  kUrl,       // public_base_url + "/images/<id>" (the bot's web server serves it)
};

// Parses "auto", "base64", "file", "file_send", "stream" or "url". Error code
// "bad_config" naming the accepted values.
Result<DeliveryMode> parse_delivery_mode(std::string_view text);
std::string_view to_string(DeliveryMode mode);

struct DeliveryOptions {
  DeliveryMode mode = DeliveryMode::kAuto;
  std::string nap_server_address = "localhost";
  std::uint16_t nap_server_port = 3658;
  std::string file_send_token;  // secret: never logged
  std::string public_base_url;  // e.g. "https://bot.example.com"; "" disables kUrl
  std::size_t stream_threshold_bytes = 30 * 1024 * 1024;
  std::size_t stream_chunk_bytes = 64 * 1024;
};

struct DeliveryResult {
  onebot::Segment segment;  // an onebot::Image
  DeliveryMode used = DeliveryMode::kBase64;
  std::string fallback_reason;  // empty unless the configured route failed and base64 was used
};

// Prepares the image segment for image (whose content is bytes, and whose
// local copy is file: ImageStore::local_file, needed by kFile) by
// options.mode, exactly as configured (kFileSend to a loopback
// nap_server_address still goes through the receiver). Any failure of the
// chosen route (receiver unreachable, stream upload refused, no
// public_base_url) falls back to base64 with a warning. kUrl links to
// uploaded_url when the image is already in the bucket (ImageStore::url()),
// else to picbot's own <public_base_url>/images/<id>. Megabyte work (the
// base64 text, the stream's SHA-256) runs on workers, not on the event loop.
// REQUIRES: bytes and image stay alive until the awaitable completes.
boost::asio::awaitable<DeliveryResult> prepare_image_segment(MessageContext& ctx, const StoredImage& image,
                                                             const std::optional<std::filesystem::path>& file,
                                                             std::string_view bytes,
                                                             const DeliveryOptions& options,
                                                             WorkerPool& workers,
                                                             std::string uploaded_url = {});

// The "base64://..." image segment for bytes, encoded in one pass.
onebot::Segment base64_image_segment(std::string_view bytes);

using image::sha256_hex;  // the lower-case hex SHA-256 of bytes
// Returns the lower-case hex MD5 of bytes: QQ names a sent image by it.
std::string md5_hex(std::string_view bytes);

}  // namespace picbot::gemini
