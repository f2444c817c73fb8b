// QuotaDecision: what the ledger (quota_store.h) is asked to count for one
// request: a bucket, its limit, and why. The policy that decides it is the
// caller's (the drawing plugin's quota_policy.h, the gateway's per-key limit).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace picbot::quota {

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
  // "user:<uid>", "group:<gid>" or "gateway:<key name>". The user tier and the default tier both
  // use "user:<uid>" on purpose: that is the user's own count across every
  // chat, private or group, whichever of the two tiers sets its limit.
  std::string bucket;
  std::int64_t limit = -1;  // 0 for kBlocked, -1 for kUnlimited
  // Why this limit applies: kUser, kGroup or kDefault; kDisabled when quotas
  // are off and kAdmin for an exempt admin (both kUnlimited).
  QuotaTier tier = QuotaTier::kDisabled;
};

}  // namespace picbot::quota
