#include "plugins/gemini_pic_gen/delivery/image_delivery.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <boost/asio/this_coro.hpp>
#include <filesystem>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/onebot/base64.h"
#include "file_send_client/file_send_client.h"

namespace picbot::gemini {
namespace {

using boost::asio::awaitable;

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("gemini");
  return instance;
}

constexpr std::array<std::pair<std::string_view, DeliveryMode>, 6> kModeNames{{
    {"auto", DeliveryMode::kAuto},
    {"base64", DeliveryMode::kBase64},
    {"file", DeliveryMode::kFile},
    {"file_send", DeliveryMode::kFileSend},
    {"stream", DeliveryMode::kStream},
    {"url", DeliveryMode::kUrl},
}};

// Images above this are base64-encoded on the worker pool: a 2 MB image takes
// milliseconds, which a /ping on the event loop would wait for.
constexpr std::size_t kEncodeOnWorkersBytes = 64 * 1024;

const std::string kStreamAction = "upload_file_stream";

// NapCat keeps a streamed file this long (ms) before deleting it.
constexpr int kStreamRetentionMs = 300'000;

// Why a delivery route failed, for the log and DeliveryResult::fallback_reason.
struct RouteFailure {
  std::string reason;
};
// Where a route ended: the file NapCat should load, or why it failed.
using Route = Result<std::string, RouteFailure>;

std::string to_hex(const unsigned char* digest, unsigned int length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kDigits[digest[i] >> 4]);
    hex.push_back(kDigits[digest[i] & 0x0F]);
  }
  return hex;
}

std::string digest_hex(std::string_view bytes, const EVP_MD* algorithm) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, algorithm, nullptr);
  return to_hex(digest, length);
}

onebot::Segment image_segment(std::string file) { return onebot::Image{.file = std::move(file)}; }

std::string base64_file(std::string_view bytes) {
  constexpr std::string_view kScheme = "base64://";
  std::string file;
  file.reserve(kScheme.size() + (bytes.size() + 2) / 3 * 4);
  file.append(kScheme);
  onebot::base64_encode_append(bytes, file);
  return file;
}

Route file_url(const std::optional<std::filesystem::path>& file) {
  if (!file) return RouteFailure{"the image has no local copy"};
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(*file, ec);
  if (ec) return RouteFailure{"cannot make " + file->string() + " absolute: " + ec.message()};
  return "file://" + absolute.string();
}

// The name the image is sent under: its local file's, else <id>.<extension>.
std::string file_name(const StoredImage& image, const std::optional<std::filesystem::path>& file) {
  return file ? file->filename().string() : image.id + "." + image.extension;
}

Route public_url(const StoredImage& image, const DeliveryOptions& options, std::string uploaded_url) {
  if (!uploaded_url.empty()) return uploaded_url;  // NapCat downloads straight from the bucket
  if (options.public_base_url.empty()) return RouteFailure{"public_base_url is not set"};
  std::string_view base = options.public_base_url;
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  return std::string(base) + "/images/" + image.id;
}

awaitable<Route> send_to_receiver(std::string basename, std::string_view bytes,
                                  const DeliveryOptions& options) {
  filesend::Target target;
  target.host = options.nap_server_address;
  target.port = options.nap_server_port;
  target.token = options.file_send_token;
  auto executor = co_await boost::asio::this_coro::executor;
  auto sent = co_await filesend::send_file(executor, target, basename, bytes);
  if (!sent) {
    co_return RouteFailure{"file_send to " + target.host + ":" + std::to_string(target.port) + " failed (" +
                           std::string(filesend::to_string(sent.error().kind)) +
                           "): " + sent.error().message};
  }
  co_return std::move(sent.value());
}

std::string uuid_like() {
  const std::string hex = image::random_hex(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string status_of(const nlohmann::json& data) {
  return data.is_object() && data.contains("status") && data["status"].is_string()
             ? data["status"].get<std::string>()
             : std::string();
}

// Uploads bytes with NapCat's upload_file_stream, chunk by chunk, and returns
// the path NapCat stored the file under.
awaitable<Route> upload_stream(MessageContext& ctx, std::string filename, std::string_view bytes,
                               const DeliveryOptions& options, WorkerPool& workers) {
  const std::size_t chunk_bytes = std::max<std::size_t>(options.stream_chunk_bytes, 1);
  const std::size_t total_chunks = std::max<std::size_t>((bytes.size() + chunk_bytes - 1) / chunk_bytes, 1);
  const std::string stream_id = uuid_like();
  auto hash = [bytes] { return sha256_hex(bytes); };
  const std::string sha256 = co_await workers.run(hash);
  for (std::size_t index = 0; index < total_chunks; ++index) {
    nlohmann::json params = {
        {"stream_id", stream_id},
        {"chunk_data", onebot::base64_encode(bytes.substr(index * chunk_bytes, chunk_bytes))},
        {"chunk_index", index},
        {"total_chunks", total_chunks},
        {"file_size", bytes.size()},
        {"expected_sha256", sha256},
        {"filename", filename},
        {"file_retention", kStreamRetentionMs}};
    auto answer = co_await ctx.call_api(kStreamAction, std::move(params));
    const std::string position = std::to_string(index + 1) + "/" + std::to_string(total_chunks);
    if (!answer)
      co_return RouteFailure{"upload_file_stream chunk " + position + ": " + answer.error().describe()};
    if (const std::string status = status_of(answer.value()); status != "chunk_received") {
      co_return RouteFailure{"upload_file_stream chunk " + position + ": unexpected status \"" +
                             log::truncate(status, 40) + "\""};
    }
  }
  // Built outside the co_await: GCC 12 miscompiles braced JSON temporaries there.
  nlohmann::json finish = {{"stream_id", stream_id}, {"is_complete", true}};
  auto answer = co_await ctx.call_api(kStreamAction, std::move(finish));
  if (!answer) co_return RouteFailure{"upload_file_stream completion: " + answer.error().describe()};
  const nlohmann::json& data = answer.value();
  if (status_of(data) != "file_complete" || !data.contains("file_path") || !data["file_path"].is_string() ||
      data["file_path"].get_ref<const std::string&>().empty()) {
    co_return RouteFailure{"upload_file_stream completion: no file_path in the answer"};
  }
  co_return data["file_path"].get<std::string>();
}

}  // namespace

Result<DeliveryMode> parse_delivery_mode(std::string_view text) {
  for (const auto& [name, mode] : kModeNames) {
    if (name == text) return mode;
  }
  return Error::make("bad_config", "unknown delivery mode \"" + std::string(log::truncate(text, 40)) +
                                       "\" (expected auto, base64, file, file_send, stream or url)");
}

std::string_view to_string(DeliveryMode mode) {
  for (const auto& [name, value] : kModeNames) {
    if (value == mode) return name;
  }
  return "unknown";
}

std::string md5_hex(std::string_view bytes) { return digest_hex(bytes, EVP_md5()); }

onebot::Segment base64_image_segment(std::string_view bytes) { return image_segment(base64_file(bytes)); }

awaitable<DeliveryResult> prepare_image_segment(MessageContext& ctx, const StoredImage& image,
                                                const std::optional<std::filesystem::path>& file,
                                                std::string_view bytes, const DeliveryOptions& options,
                                                WorkerPool& workers, std::string uploaded_url) {
  // Only auto infers a route, and never a shared filesystem: an explicit mode
  // is the operator's choice (a receiver on 127.0.0.1 may be the published
  // port of NapCat's container, which cannot read the bot's files).
  DeliveryMode mode = options.mode;
  if (mode == DeliveryMode::kAuto) {
    mode = image.size > options.stream_threshold_bytes ? DeliveryMode::kStream : DeliveryMode::kBase64;
  }

  const std::string name = file_name(image, file);
  std::optional<Route> route;
  switch (mode) {
    case DeliveryMode::kFile:
      route.emplace(file_url(file));
      break;
    case DeliveryMode::kFileSend:
      route.emplace(co_await send_to_receiver(name, bytes, options));
      break;
    case DeliveryMode::kStream:
      route.emplace(co_await upload_stream(ctx, name, bytes, options, workers));
      break;
    case DeliveryMode::kUrl:
      route.emplace(public_url(image, options, std::move(uploaded_url)));
      break;
    case DeliveryMode::kAuto:
    case DeliveryMode::kBase64:
      break;
  }

  DeliveryResult result;
  if (route && route->ok()) {
    result.segment = image_segment(std::move(route->value()));
    result.used = mode;
    co_return result;
  }
  if (route) {
    result.fallback_reason = std::move(route->error().reason);
    logger()->warn(
        "{}", log::text("log.delivery_fallback", fmt::arg("file", name), fmt::arg("mode", to_string(mode)),
                        fmt::arg("reason", result.fallback_reason)));
  }
  if (bytes.size() > kEncodeOnWorkersBytes) {
    auto encode = [bytes] { return base64_image_segment(bytes); };
    result.segment = co_await workers.run(encode);
  } else {
    result.segment = base64_image_segment(bytes);
  }
  result.used = DeliveryMode::kBase64;
  co_return result;
}

}  // namespace picbot::gemini
