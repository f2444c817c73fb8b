// Reference images for a drawing request: the images in the triggering
// message and in the message it quotes, downloaded (or decoded) and checked to
// be PNG, JPEG or WEBP. Failures never stop the request: each one is reported
// so the user can be told which image was skipped and why.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/plugin/message_context.h"
#include "image/provider.h"

namespace picbot::gemini {

struct ReferenceOptions {
  std::size_t max_count = 3;
  std::size_t max_bytes = 10 * 1024 * 1024;  // per image, enforced while downloading
  bool allow_private_network = false;        // false: loopback/private hosts are refused (SSRF)
  std::chrono::milliseconds timeout{20000};  // per download, and for get_msg
};

struct ReferenceFailure {
  // 1-based position among the candidate images (the message's own first,
  // then the quoted ones); 0 for kQuoteUnavailable, which has no image.
  int index = 0;
  enum class Reason {
    kDownloadFailed,     // transport error or non-2xx status
    kTooLarge,           // more than max_bytes
    kNotAnImage,         // not PNG/JPEG/WEBP by magic number (GIF included)
    kUnsupportedScheme,  // neither http(s):// nor base64://
    kBlockedAddress,     // private/loopback host while allow_private_network is false
    kQuoteUnavailable,   // get_msg failed (evicted or unknown message)
    kTooMany,            // beyond max_count
  } reason = Reason::kDownloadFailed;
  std::string detail;  // for logs: "HTTP 404", "timeout", ...; never a URL (they carry rkeys)
};

using image::ReferenceImage;

struct CollectedReferences {
  std::vector<ReferenceImage> images;  // in candidate order, mime always set
  std::vector<ReferenceFailure> failures;
};

// Collects the reference images for ctx's message. Candidates are the image
// segments of the message itself, in order, followed by those of the message
// quoted by its first reply segment (fetched with get_msg) — what the user
// attached now comes first. The first max_count candidates are fetched
// concurrently; url is used, or file when it is http(s):// or base64://
// (decoded directly). Images keep candidate order. Never throws for bad
// input; every skipped candidate yields one failure. Large inline data and
// downloaded bodies are decoded and checked on workers, not on the event loop.
boost::asio::awaitable<CollectedReferences> collect_reference_images(MessageContext& ctx,
                                                                     net::HttpClient& http,
                                                                     WorkerPool& workers,
                                                                     const ReferenceOptions& options);

// False when the message can have no reference image: it has no image
// segment and quotes no message. (A quoted message's images are known only
// after get_msg, so a quote counts as maybe.)
bool may_have_reference_images(const onebot::MessageEvent& event);

// One short sentence per failure (kTooMany ones merged into one) in language
// ("zh-CN" or "en"), e.g. "第 2 张参考图下载失败，已跳过。". "" for no failures.
std::string describe_failures(const std::vector<ReferenceFailure>& failures, std::string_view language);

// Adds the "gemini.ref.*" messages to the MessageTable. Idempotent.
void register_reference_messages();

std::string_view to_string(ReferenceFailure::Reason reason);

}  // namespace picbot::gemini
