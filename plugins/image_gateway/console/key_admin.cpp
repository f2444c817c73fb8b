#include "plugins/image_gateway/console/key_admin.h"

#include <algorithm>
#include <array>

#include "bot/core/random_bytes.h"

namespace picbot::gateway {

namespace {
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// The largest multiple of 62 below 256: bytes from here on are drawn again,
// so every character is equally likely.
constexpr unsigned kUnbiasedBelow = 256 - 256 % kAlphabet.size();
}  // namespace

Result<std::string> generate_gateway_key() {
  std::string key(kCreatedKeyPrefix);
  std::array<unsigned char, 64> bytes{};
  while (key.size() < kCreatedKeyPrefix.size() + kCreatedKeyRandomChars) {
    if (!random_bytes(bytes)) return Error::unavailable("the kernel refused random bytes (getrandom)");
    for (unsigned char byte : bytes) {
      if (byte >= kUnbiasedBelow) continue;
      key.push_back(kAlphabet[byte % kAlphabet.size()]);
      if (key.size() == kCreatedKeyPrefix.size() + kCreatedKeyRandomChars) break;
    }
  }
  return key;
}

std::optional<std::string> key_name_problem(std::string_view name, const std::vector<ApiKey>& keys) {
  if (name.empty()) return "gateway.console.name_empty";
  if (name.size() > kMaxKeyNameLength) return "gateway.console.name_too_long";
  const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!allowed) return "gateway.console.name_chars";
  if (name == "local" || find_key(keys, name) != nullptr) return "gateway.console.name_taken";
  return std::nullopt;
}

const ApiKey* find_key(const std::vector<ApiKey>& keys, std::string_view name) {
  const auto found =
      std::find_if(keys.begin(), keys.end(), [&](const ApiKey& key) { return key.name == name; });
  return found == keys.end() ? nullptr : &*found;
}

}  // namespace picbot::gateway
