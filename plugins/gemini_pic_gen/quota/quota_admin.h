// Quota administration, shared by the /reset_images command and the web
// console: the list of every quota bucket with its limit and usage, and the
// one reset operation.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "plugins/gemini_pic_gen/quota/quota_ledger.h"
#include "plugins/gemini_pic_gen/quota/quota_policy.h"

namespace picbot::gemini {

// What a reset clears: every bucket, one user's own count ("user:<id>"), or
// one group's shared pool ("group:<id>").
struct QuotaScope {
  enum Kind { kAll, kUser, kGroup };
  Kind kind = kAll;
  std::int64_t id = 0;  // kUser / kGroup only; never 0 for them

  static QuotaScope all() { return {kAll, 0}; }
  static QuotaScope user(std::int64_t id) { return {kUser, id}; }
  static QuotaScope group(std::int64_t id) { return {kGroup, id}; }

  // {"scope": "all"}, {"scope": "user", "id": 42} or {"scope": "group",
  // "id": "777"} (ids as numbers or numeric strings). Error "bad_request"
  // naming the problem otherwise.
  static Result<QuotaScope> from_json(const nlohmann::json& body);

  std::string bucket() const;    // "user:42", "group:777"; "" for kAll
  std::string describe() const;  // "all quotas", "user 42", "group 777" (the console's answer)
  std::string log_text() const;  // describe() in the log language: "全部额度", "用户 42", "群 777"
};

// One bucket as the quota page shows it.
struct QuotaEntry {
  std::string bucket;  // "user:42", "group:777"
  // Where the limit comes from: kUser (rate_limit.user_limits), kGroup
  // (rate_limit.group_limits), kDefault (default_limit, a user's own count
  // without an entry), or kUnconfigured (a group pool with usage whose entry
  // was removed from the config; no limit applies to it any more).
  QuotaTier tier = QuotaTier::kUnconfigured;
  std::int64_t id = 0;                    // the user or group id
  std::optional<std::int64_t> limit;      // -1 unlimited, 0 blocked; nullopt for "unconfigured"
  std::int64_t used = 0;                  // committed uses + live reservations
  std::optional<std::int64_t> remaining;  // -1 unlimited; nullopt when limit is
  std::optional<Clock::time_point> window_start, resets_at;  // nullopt: no window open
};

// Every configured user and group entry (with or without usage), then every
// other bucket with an open window: users' default-tier counts and pools of
// groups no longer configured. Users first, then groups, each by id; a
// bucket appears once. open holds the store's open windows
// (QuotaStore::list_buckets).
std::vector<QuotaEntry> quota_entries(const QuotaConfig& config, const std::vector<BucketUsage>& open);

// quota_entries() with the store's current windows. Store errors pass through.
boost::asio::awaitable<Result<std::vector<QuotaEntry>>> list_quotas(AsyncQuotaStore& store,
                                                                    QuotaConfig config);

// Clears the buckets in scope; their next use opens a fresh window. by says
// who asked, in the log language ("管理员 1", "管理后台"), and is logged with
// the scope.
boost::asio::awaitable<Status> reset_quotas(AsyncQuotaStore& store, QuotaScope scope, std::string by);

}  // namespace picbot::gemini
