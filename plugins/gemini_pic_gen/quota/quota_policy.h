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
#include "bot/quota/quota_decision.h"

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

// The ledger's types, as this plugin names them.
using quota::QuotaDecision;
using quota::QuotaTier;
using quota::tier_name;

// Resolves the limit for one request; the first match wins:
//   1. user_limits has user_id        -> that limit, bucket "user:<uid>"
//   2. in a group and group_limits has group_id -> that limit, bucket
//      "group:<gid>" (one pool shared by the whole group)
//   3. default_limit                  -> bucket "user:<uid>"
// Disabled quotas and (with exempt_admins) admins are kUnlimited.
// group_id 0 means a private chat.
QuotaDecision resolve(const QuotaConfig& config, std::int64_t user_id, std::int64_t group_id, bool is_admin);

}  // namespace picbot::gemini
