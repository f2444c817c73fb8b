// The checks and the randomness behind the console's key management: a new
// gateway key's text, and whether a name may be a new key's name.
// Thread-safety: free functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "plugins/image_gateway/gateway_settings.h"

namespace picbot::gateway {

// Every created key starts with this, so it is recognisable (and masked as
// "pg-…a1b2" by mask_secret).
inline constexpr std::string_view kCreatedKeyPrefix = "pg-";
inline constexpr std::size_t kCreatedKeyRandomChars = 40;  // [A-Za-z0-9]: ~238 bits
inline constexpr std::size_t kMaxKeyNameLength = 32;

// kCreatedKeyPrefix + kCreatedKeyRandomChars characters drawn uniformly from
// [A-Za-z0-9] with the kernel's CSPRNG. Error "unavailable" when the kernel
// refuses random bytes.
Result<std::string> generate_gateway_key();

// nullopt when name may name a new key: 1..kMaxKeyNameLength characters of
// [A-Za-z0-9_.-], not "local" (the caller's name without keys) and no name
// in keys. Else the message-table key saying why not:
// gateway.console.name_empty, name_too_long, name_chars or name_taken.
std::optional<std::string> key_name_problem(std::string_view name, const std::vector<ApiKey>& keys);

// The key named name in keys, or nullptr.
const ApiKey* find_key(const std::vector<ApiKey>& keys, std::string_view name);

}  // namespace picbot::gateway
