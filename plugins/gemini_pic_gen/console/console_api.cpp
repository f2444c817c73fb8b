#include "plugins/gemini_pic_gen/console/console_api.h"

#include <algorithm>
#include <ctime>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/millis.h"

namespace picbot::gemini {
namespace {

using nlohmann::json;

json ms_or_null(const std::optional<Clock::time_point>& t) {
  if (!t) return nullptr;
  return to_epoch_ms(*t);
}

// "2026-12-04T18:30:00Z": readable as it is on the status page, which shows
// a plugin's values as text.
json utc_or_null(const std::optional<Clock::time_point>& t) {
  if (!t) return nullptr;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(*t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

template <class T>
json value_or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json entry_json(const QuotaEntry& entry) {
  return json{{"bucket", entry.bucket},
              {"tier", tier_name(entry.tier)},
              {"id", entry.id},
              {"limit", value_or_null(entry.limit)},
              {"used", entry.used},
              {"remaining", value_or_null(entry.remaining)},
              {"window_start_ms", ms_or_null(entry.window_start)},
              {"resets_at_ms", ms_or_null(entry.resets_at)}};
}

json image_json(const StoredImage& image) {
  return json{{"id", image.id},
              {"prompt", image.meta.prompt},
              {"user_id", image.meta.user_id},
              {"group_id", image.meta.group_id},
              {"time_ms", ms_or_null(image.created)},
              {"model", image.meta.model},
              {"mime", image.mime},
              {"size", image.size}};
}

json key_json(const llm::KeyState& key) {
  return json{{"index", key.index},
              {"key", key.masked_key},
              {"status", llm::key_status_name(key.status)},
              {"cooling_until", utc_or_null(key.available_at)},
              {"reason", key.reason},
              {"successes", key.successes},
              {"failures", key.failures}};
}

json hour_json(const DrawStats::Hour& hour) {
  json failures = json::object();
  for (const auto& [cls, count] : hour.failures) failures[cls] = count;
  return json{
      {"start_ms", to_epoch_ms(hour.start)}, {"success", hour.successes}, {"failures", std::move(failures)}};
}

json provider_json(const image::Provider& provider, std::size_t position, const DrawStats::Snapshot& stats) {
  json keys = json::array();
  for (const llm::KeyState& key : provider.key_states()) keys.push_back(key_json(key));
  json results = json::object();
  if (const auto found = stats.providers.find(provider.name()); found != stats.providers.end()) {
    for (const auto& [result, count] : found->second) results[result] = count;
  }
  return json{{"name", provider.name()}, {"type", provider.type()}, {"model", provider.model()},
              {"position", position},    {"keys", std::move(keys)}, {"results", std::move(results)}};
}

Error unavailable() { return Error::unavailable("the quota database could not be opened; see the log"); }

}  // namespace

boost::asio::awaitable<Result<json>> ConsoleApi::quotas(QuotaConfig config) {
  if (quotas_ == nullptr) co_return unavailable();
  auto entries = co_await list_quotas(*quotas_, config);
  if (!entries) co_return entries.error();
  json buckets = json::array();
  for (const QuotaEntry& entry : *entries) buckets.push_back(entry_json(entry));
  co_return json{{"enabled", config.enabled},
                 {"default_limit", config.default_limit},
                 {"reset_interval_minutes", config.reset_interval_minutes},
                 {"exempt_admins", config.exempt_admins},
                 {"now_ms", ms_or_null(deps_.clock.now())},
                 {"buckets", std::move(buckets)}};
}

boost::asio::awaitable<Result<json>> ConsoleApi::reset(json body) {
  auto scope = QuotaScope::from_json(body);
  if (!scope) co_return scope.error();
  if (quotas_ == nullptr) co_return unavailable();
  Status reset = co_await reset_quotas(*quotas_, *scope, log::text("log.quota_by_console"));
  if (!reset) co_return reset.error();
  co_return json{{"reset", scope->describe()}};
}

json ConsoleApi::gallery(std::size_t limit) const {
  json images = json::array();
  for (const StoredImage& image : deps_.images.recent(limit)) images.push_back(image_json(image));
  return json{{"ttl_minutes", deps_.images.local_ttl().count()}, {"images", std::move(images)}};
}

boost::asio::awaitable<Result<ImageFile>> ConsoleApi::image(std::string id) {
  std::optional<StoredImage> image = deps_.images.find(id);
  if (!image) co_return Error::not_found("no image " + id + " (unknown, expired or deleted)");
  auto bytes = co_await deps_.images.read(*image);
  if (!bytes) co_return bytes.error();
  co_return ImageFile{image->mime, std::move(*bytes)};
}

boost::asio::awaitable<Status> ConsoleApi::remove(std::string id) {
  co_return co_await deps_.images.remove(id);
}

json ConsoleApi::status() const {
  const DrawStats::Snapshot& stats = deps_.stats.snapshot();
  json generations = json::object();
  for (const auto& [result, count] : stats.generations) generations[result] = count;
  json keys = json::array();
  for (const llm::KeyState& key : deps_.key_states()) keys.push_back(key_json(key));
  json hourly = json::array();
  for (const DrawStats::Hour& hour : deps_.stats.last_day()) hourly.push_back(hour_json(hour));
  const DrawStats::Percentiles percentiles = deps_.stats.latency_percentiles();
  json limiters = json::array();
  if (deps_.limiter_states) {
    for (const image::LimiterState& limiter : deps_.limiter_states()) {
      limiters.push_back({{"provider", limiter.provider},
                          {"waiting", limiter.waiting},
                          {"running", limiter.running},
                          {"requests_per_second", limiter.requests_per_second},
                          {"burst", limiter.burst},
                          {"max_concurrent", limiter.max_concurrent}});
    }
  }
  json status{{"model", deps_.model()},
              {"generations", std::move(generations)},
              {"quota_denials", stats.quota_denials},
              {"images_delivered", stats.images_delivered},
              {"delivery_failures", stats.delivery_failures},
              {"latency",
               {{"count", stats.latency.count},
                {"sum_seconds", stats.latency.sum_seconds},
                {"p50_seconds", value_or_null(percentiles.p50_seconds)},
                {"p95_seconds", value_or_null(percentiles.p95_seconds)},
                {"recent_count", percentiles.count}}},
              {"hourly", std::move(hourly)},
              {"keys", std::move(keys)},
              {"queue", {{"running", deps_.jobs.running()}, {"waiting", deps_.jobs.waiting()}}},
              {"limiters", std::move(limiters)}};
  if (deps_.providers) {
    json providers = json::array();
    for (const auto& member : deps_.providers())
      providers.push_back(provider_json(*member, providers.size() + 1, stats));
    status["providers"] = std::move(providers);
  }
  return status;
}

Result<json> ConsoleApi::enable_key(const json& body) {
  if (!body.is_object() || !body.contains("index") || !body["index"].is_number_integer() ||
      body["index"].get<long long>() < 0 || !body.contains("key") || !body["key"].is_string()) {
    return Error::bad_request("expected {\"index\": n, \"key\": \"<masked key>\"}");
  }
  const auto index = static_cast<std::size_t>(body["index"].get<long long>());
  const auto masked = body["key"].get<std::string>();
  if (body.contains("provider")) {
    if (!body["provider"].is_string()) return Error::bad_request("\"provider\" is a provider's name");
    const std::string name = body["provider"].get<std::string>();
    std::vector<std::shared_ptr<image::Provider>> members;
    if (deps_.providers) members = deps_.providers();
    const auto member = std::find_if(members.begin(), members.end(),
                                     [&](const auto& provider) { return provider->name() == name; });
    if (member == members.end())
      return Error::not_found("no image provider " + name + " in the chain in use");
    if (!(*member)->enable_key(index, masked)) {
      return Error::not_found("no key " + masked + " at position " + std::to_string(index) + " of " + name +
                              " (the key list changed? reload the page)");
    }
  } else if (!deps_.enable_key || !deps_.enable_key(index, masked)) {
    return Error::not_found("no key " + masked + " at position " + std::to_string(index) +
                            " (the key list changed? reload the page)");
  }
  log::get("gemini_pic_gen")
      ->info("{}", log::text("log.key_enabled", fmt::arg("key", masked), fmt::arg("index", index)));
  return json{{"enabled", masked}};
}

}  // namespace picbot::gemini
