// ConsoleApi: the plugin's part of the web console as plain calls that take
// and return JSON: the quota list and reset (the same reset_quotas() as
// /reset_images), the gallery of recent images (list, bytes, delete) and the
// status section (generations, keys masked, queue). The host's console routes
// call these; they hold no HTTP details. No response ever holds an API key
// in clear: keys appear only as KeyState::masked_key.
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/key_pool.h"
#include "image/provider.h"
#include "image/storage/image_store.h"
#include "plugins/gemini_pic_gen/draw_stats.h"
#include "plugins/gemini_pic_gen/job_queue.h"
#include "plugins/gemini_pic_gen/quota/quota_admin.h"

namespace picbot::gemini {

using image::ImageMeta;
using image::ImageStore;
using image::StoredImage;

// An image's bytes with their MIME type, for the gallery's <img>.
struct ImageFile {
  std::string mime;
  std::string bytes;
};

class ConsoleApi {
 public:
  struct Deps {
    ImageStore& images;
    const DrawStats& stats;
    const JobQueue& jobs;
    std::function<std::vector<llm::KeyState>()> key_states;  // masked
    // Re-enables the key at index whose mask is masked_key (KeyPool::enable).
    std::function<bool(std::size_t index, std::string_view masked_key)> enable_key;
    std::function<std::string()> model;  // the model in use
    const Clock& clock;
    // The members of the chain in use, in order; empty: no "providers" in status().
    std::function<std::vector<std::shared_ptr<image::Provider>>()> providers = {};
    // Each provider's upstream queue (Provider::limiter_states); may be empty.
    std::function<std::vector<image::LimiterState>()> limiter_states = {};
  };

  explicit ConsoleApi(Deps deps) : deps_(std::move(deps)) {}

  // May stay null (no quota database): quotas() and reset() then fail with
  // "unavailable".
  void set_quota_store(AsyncQuotaStore* quotas) { quotas_ = quotas; }

  // {"enabled", "default_limit", "reset_interval_minutes", "exempt_admins",
  //  "now_ms", "buckets": [{"bucket", "tier", "id", "limit", "used",
  //  "remaining", "window_start_ms", "resets_at_ms"}]}; limit, remaining and
  // the times are null when they do not apply (see QuotaEntry).
  boost::asio::awaitable<Result<nlohmann::json>> quotas(QuotaConfig config);

  // body: {"scope": "all" | "user" | "group", "id": ...} (QuotaScope).
  // Returns {"reset": "<scope described>"}. Errors: "bad_request",
  // "unavailable", or the store's.
  boost::asio::awaitable<Result<nlohmann::json>> reset(nlohmann::json body);

  // {"ttl_minutes", "images": [{"id", "prompt", "user_id", "group_id",
  //  "time_ms", "model", "mime", "size"}]}, newest first, at most limit.
  nlohmann::json gallery(std::size_t limit) const;

  // Errors: "not_found" for unknown, expired or deleted ids; "disk".
  boost::asio::awaitable<Result<ImageFile>> image(std::string id);

  // Deletes the image and its sidecar. Errors as ImageStore::remove().
  boost::asio::awaitable<Status> remove(std::string id);

  // {"model", "generations": {"success": n, "<failure class>": n, ...},
  //  "quota_denials", "images_delivered", "delivery_failures",
  //  "latency": {"count", "sum_seconds", "p50_seconds", "p95_seconds"
  //              (of the last 24 h; null without a call), "recent_count"},
  //  "hourly" (the last 24 h, oldest first): [{"start_ms", "success",
  //            "failures": {"<failure class>": n}}],
  //  "keys" (in configuration order): [{"index", "key" (masked), "status", "cooling_until" (UTC),
  //            "reason", "successes", "failures"}],
  //  "queue": {"running", "waiting"},
  //  "providers" (the chain in use, in order; with Deps::providers only):
  //           [{"name", "type", "model", "position" (1 = first), "keys" (as
  //             "keys", indexed within the provider), "results": {"success"
  //             or "<failure class>": n} (its calls since start, DrawStats)}],
  //  "limiters" (each provider's upstream queue, in chain order): [{"provider",
  //            "waiting", "running", "requests_per_second", "burst",
  //            "max_concurrent"} (0 = no limit)]}
  nlohmann::json status() const;

  // body: {"index": n, "key": "<masked key>"} as status() shows it, with
  // "provider": "<name>" for a key of a "providers" entry (index within it).
  // Makes a disabled or cooling key active again; returns {"enabled": "<masked>"}.
  // Errors: "bad_request", "not_found" (no key at index with that mask, or
  // no such provider in the chain).
  Result<nlohmann::json> enable_key(const nlohmann::json& body);

 private:
  Deps deps_;
  AsyncQuotaStore* quotas_ = nullptr;
};

}  // namespace picbot::gemini
