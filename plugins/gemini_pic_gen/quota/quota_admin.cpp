#include "plugins/gemini_pic_gen/quota/quota_admin.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/onebot/ids.h"

namespace picbot::gemini {
namespace {

using nlohmann::json;

auto logger() {
  static auto l = log::get("gemini_pic_gen");
  return l;
}

// "user:42" -> {kUser, 42}; nullopt for anything else.
std::optional<QuotaScope> parse_bucket(std::string_view bucket) {
  const std::size_t colon = bucket.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view kind = bucket.substr(0, colon), digits = bucket.substr(colon + 1);
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size() || id == 0) return std::nullopt;
  if (kind == "user") return QuotaScope::user(id);
  if (kind == "group") return QuotaScope::group(id);
  return std::nullopt;
}

std::optional<std::int64_t> configured_limit(const std::vector<std::pair<std::int64_t, std::int64_t>>& limits,
                                             std::int64_t id) {
  for (const auto& [entry_id, limit] : limits) {
    if (entry_id == id) return limit;
  }
  return std::nullopt;
}

}  // namespace

Result<QuotaScope> QuotaScope::from_json(const json& body) {
  if (!body.is_object()) return Error::bad_request("expected a JSON object with \"scope\"");
  const json scope = body.value("scope", json());
  if (!scope.is_string()) return Error::bad_request("\"scope\" must be \"all\", \"user\" or \"group\"");
  const std::string& kind = scope.get_ref<const std::string&>();
  if (kind == "all") return QuotaScope::all();
  if (kind != "user" && kind != "group") {
    return Error::bad_request("\"scope\" must be \"all\", \"user\" or \"group\", not \"" + kind + "\"");
  }
  const std::int64_t id = onebot::json_to_id(body.value("id", json()));
  if (id <= 0) return Error::bad_request("\"id\" must be a positive " + kind + " id");
  return kind == "user" ? QuotaScope::user(id) : QuotaScope::group(id);
}

std::string QuotaScope::bucket() const {
  switch (kind) {
    case kAll:
      return {};
    case kUser:
      return "user:" + std::to_string(id);
    case kGroup:
      return "group:" + std::to_string(id);
  }
  return {};
}

std::string QuotaScope::log_text() const {
  switch (kind) {
    case kAll:
      return log::text("log.quota_scope_all");
    case kUser:
      return log::text("log.quota_scope_user", fmt::arg("id", id));
    case kGroup:
      return log::text("log.quota_scope_group", fmt::arg("id", id));
  }
  return {};
}

std::string QuotaScope::describe() const {
  switch (kind) {
    case kAll:
      return "all quotas";
    case kUser:
      return "user " + std::to_string(id);
    case kGroup:
      return "group " + std::to_string(id);
  }
  return {};
}

std::vector<QuotaEntry> quota_entries(const QuotaConfig& config, const std::vector<BucketUsage>& open) {
  // Keyed by (kind, id): users sort before groups, each by id.
  std::map<std::pair<int, std::int64_t>, QuotaEntry> entries;
  auto entry_for = [&](QuotaScope scope) -> QuotaEntry& {
    QuotaEntry& entry = entries[{scope.kind, scope.id}];
    entry.bucket = scope.bucket();
    entry.id = scope.id;
    return entry;
  };
  auto set_limit = [](QuotaEntry& entry, std::optional<std::int64_t> limit) {
    entry.limit = limit;
    entry.remaining.reset();
    if (limit) entry.remaining = *limit < 0 ? -1 : std::max<std::int64_t>(0, *limit - entry.used);
  };
  for (const auto& [user, limit] : config.user_limits) {
    QuotaEntry& entry = entry_for(QuotaScope::user(user));
    entry.tier = QuotaTier::kUser;
    set_limit(entry, limit);
  }
  for (const auto& [group, limit] : config.group_limits) {
    QuotaEntry& entry = entry_for(QuotaScope::group(group));
    entry.tier = QuotaTier::kGroup;
    set_limit(entry, limit);
  }
  for (const BucketUsage& usage : open) {
    const std::optional<QuotaScope> scope = parse_bucket(usage.bucket);
    if (!scope) {
      logger()->warn("{}", log::text("log.quota_unknown_bucket", fmt::arg("bucket", usage.bucket)));
      continue;
    }
    QuotaEntry& entry = entry_for(*scope);
    entry.used = usage.committed + usage.reserved;
    entry.window_start = usage.window_start;
    entry.resets_at = usage.resets_at;
    if (entry.tier == QuotaTier::kUnconfigured) {  // no config entry claimed it
      const bool is_user = scope->kind == QuotaScope::kUser;
      entry.tier = is_user ? QuotaTier::kDefault : QuotaTier::kUnconfigured;
      set_limit(entry, is_user ? std::optional<std::int64_t>(config.default_limit) : std::nullopt);
    } else {
      const auto& limits = scope->kind == QuotaScope::kUser ? config.user_limits : config.group_limits;
      set_limit(entry, configured_limit(limits, scope->id));
    }
  }
  std::vector<QuotaEntry> out;
  out.reserve(entries.size());
  for (auto& [key, entry] : entries) out.push_back(std::move(entry));
  return out;
}

boost::asio::awaitable<Result<std::vector<QuotaEntry>>> list_quotas(AsyncQuotaStore& store,
                                                                    QuotaConfig config) {
  const auto interval = std::chrono::minutes(config.reset_interval_minutes);
  auto open = co_await store.list_buckets(interval);
  if (!open) co_return open.error();
  co_return quota_entries(config, *open);
}

boost::asio::awaitable<Status> reset_quotas(AsyncQuotaStore& store, QuotaScope scope, std::string by) {
  Status result;
  if (scope.kind == QuotaScope::kAll) {
    result = co_await store.reset_all();
  } else {
    result = co_await store.reset_bucket(scope.bucket());
  }
  if (result) {
    logger()->info("{}",
                   log::text("log.quota_reset", fmt::arg("by", by), fmt::arg("scope", scope.log_text())));
  } else {
    logger()->error(
        "{}", log::text("log.quota_reset_failed", fmt::arg("by", by), fmt::arg("scope", scope.log_text()),
                        fmt::arg("reason", result.error().message)));
  }
  co_return result;
}

}  // namespace picbot::gemini
