// GatewayKeys: who is calling, from the Authorization: Bearer header. Every
// configured key is compared in constant time (no early exit on the first
// match either), so timing tells nothing about the keys.
// Thread-safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugins/image_gateway/gateway_settings.h"

namespace picbot::gateway {

class GatewayKeys {
 public:
  explicit GatewayKeys(std::vector<ApiKey> keys) : keys_(std::move(keys)) {}

  bool empty() const { return keys_.empty(); }
  // The key's name for an Authorization header "Bearer <key>" (scheme case-
  // insensitive); nullptr when the header is missing, malformed or the key
  // is not configured.
  const ApiKey* identify(std::string_view authorization) const;

 private:
  std::vector<ApiKey> keys_;
};

}  // namespace picbot::gateway
