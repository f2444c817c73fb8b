// Quota policy: which drawing limit applies to a request and which counter
// (bucket) it is charged to. Pure logic, no storage; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/core/result.h"

namespace picbot::gemini {

// The plugin's rate_limit section. A limit is a count of images per window;
// 0 blocks drawing, -1 means unlimited.
struct QuotaConfig {
  bool enabled = false;
  std::int64_t default_limit = 10;
  std::int64_t reset_interval_minutes = 1440;
  std::vector<std::pair<std::int64_t, std::int64_t>> group_limits;  // {group_id, limit}
  std::vector<std::pair<std::int64_t, std::int64_t>> user_limits;   // {user_id, limit}
  bool exempt_admins = true;

  // Reads the original plugin's keys: enabled, default_limit,
  // reset_interval_minutes, group_limits [{group_id, limit}], user_limits
  // [{user_id, limit}], plus exempt_admins. Missing keys (or a null section)
  // keep the defaults; ids may be numbers or numeric strings. Errors have
  // code "bad_config" and name the offending key, e.g.
  // "rate_limit.user_limits[1].limit: must be >= -1". A duplicated id is an
  // error rather than a silent choice.
  static Result<QuotaConfig> from_json(const nlohmann::json& rate_limit_section);
};

// Why a limit applies to a request (QuotaDecision) or a bucket (the console's
// QuotaEntry).
enum class QuotaTier {
  kDisabled,      // quotas are off (unlimited)
  kAdmin,         // an exempt admin (unlimited)
  kUser,          // rate_limit.user_limits
  kGroup,         // rate_limit.group_limits: one pool for the whole group
  kDefault,       // default_limit, a user's own count
  kUnconfigured,  // a group pool with usage whose entry left the config (console only)
};

// "disabled", "admin", "user", "group", "default", "unconfigured": the
// console's word for a tier (its labels are "gemini.console.tier_<name>").
std::string_view tier_name(QuotaTier tier);

struct QuotaDecision {
  enum Kind { kUnlimited, kBlocked, kCounted };
  Kind kind = kUnlimited;
  // "user:<uid>" or "group:<gid>". The user tier and the default tier both
  // use "user:<uid>" on purpose: that is the user's own count across every
  // chat, private or group, whichever of the two tiers sets its limit.
  std::string bucket;
  std::int64_t limit = -1;  // 0 for kBlocked, -1 for kUnlimited
  // Why this limit applies: kUser, kGroup or kDefault; kDisabled when quotas
  // are off and kAdmin for an exempt admin (both kUnlimited).
  QuotaTier tier = QuotaTier::kDisabled;
};

// Resolves the limit for one request; the first match wins:
//   1. user_limits has user_id        -> that limit, bucket "user:<uid>"
//   2. in a group and group_limits has group_id -> that limit, bucket
//      "group:<gid>" (one pool shared by the whole group)
//   3. default_limit                  -> bucket "user:<uid>"
// Disabled quotas and (with exempt_admins) admins are kUnlimited.
// group_id 0 means a private chat.
QuotaDecision resolve(const QuotaConfig& config, std::int64_t user_id, std::int64_t group_id, bool is_admin);

}  // namespace picbot::gemini
