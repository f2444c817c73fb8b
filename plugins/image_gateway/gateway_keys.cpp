#include "plugins/image_gateway/gateway_keys.h"

#include "bot/core/secret.h"
#include "bot/core/text.h"

namespace picbot::gateway {

const ApiKey* GatewayKeys::identify(std::string_view authorization) const {
  authorization = trim(authorization);
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() || to_lower(authorization.substr(0, kScheme.size())) != kScheme)
    return nullptr;
  const std::string_view presented = trim(authorization.substr(kScheme.size()));
  const ApiKey* found = nullptr;
  for (const ApiKey& key : keys_) {
    const bool equal = constant_time_equals(presented, key.key);
    if (equal && found == nullptr && !key.key.empty()) found = &key;
  }
  return found;
}

}  // namespace picbot::gateway
