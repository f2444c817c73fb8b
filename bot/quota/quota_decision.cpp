#include "bot/quota/quota_decision.h"

namespace picbot::quota {

std::string_view tier_name(QuotaTier tier) {
  switch (tier) {
    case QuotaTier::kDisabled:
      return "disabled";
    case QuotaTier::kAdmin:
      return "admin";
    case QuotaTier::kUser:
      return "user";
    case QuotaTier::kGroup:
      return "group";
    case QuotaTier::kDefault:
      return "default";
    case QuotaTier::kUnconfigured:
      return "unconfigured";
  }
  return "unconfigured";
}

}  // namespace picbot::quota
