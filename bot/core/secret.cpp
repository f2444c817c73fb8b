#include "bot/core/secret.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>

namespace picbot {
namespace {
constexpr std::size_t kMinSecretLength = 6;

std::shared_mutex g_mutex;
std::shared_ptr<const std::vector<std::string>> g_secrets = std::make_shared<std::vector<std::string>>();
}  // namespace

std::string mask_secret(std::string_view secret) {
  // Prefix and last four of a short secret would give away most of it.
  if (secret.size() < kMinPartlyShownSecret) return std::string(kShortSecretMask);
  // Keep a short vendor prefix ("sk-or-", "sk-") so operators can tell keys
  // apart, but never more than 6 characters of the secret itself.
  std::size_t prefix = 0;
  for (std::size_t i = 0; i < 6 && i < secret.size(); ++i) {
    if (secret[i] == '-') prefix = i + 1;
  }
  return std::string(secret.substr(0, prefix)) + "…" + std::string(secret.substr(secret.size() - 4));
}

bool constant_time_equals(std::string_view presented, std::string_view expected) {
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  const std::size_t n = std::min(presented.size(), expected.size());
  for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(presented[i] ^ expected[i]);
  return diff == 0;
}

SecretRegistry& SecretRegistry::instance() {
  static SecretRegistry registry;
  return registry;
}

void SecretRegistry::set(std::vector<std::string> secrets) {
  std::erase_if(secrets, [](const std::string& s) { return s.size() < kMinSecretLength; });
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  auto next = std::make_shared<const std::vector<std::string>>(std::move(secrets));
  std::unique_lock lock(g_mutex);
  g_secrets = std::move(next);
}

void SecretRegistry::add(std::string secret) {
  std::vector<std::string> copy;
  {
    std::shared_lock lock(g_mutex);
    copy = *g_secrets;
  }
  copy.push_back(std::move(secret));
  set(std::move(copy));
}

std::string SecretRegistry::redact(std::string_view text) const {
  std::shared_ptr<const std::vector<std::string>> secrets;
  {
    std::shared_lock lock(g_mutex);
    secrets = g_secrets;
  }
  std::string out(text);
  for (const auto& secret : *secrets) {
    std::size_t pos = 0;
    const std::string masked = mask_secret(secret);
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), masked);
      pos += masked.size();
    }
  }
  return out;
}

bool SecretRegistry::is_clean(std::string_view text) const {
  std::shared_lock lock(g_mutex);
  return std::none_of(g_secrets->begin(), g_secrets->end(),
                      [&](const std::string& s) { return text.find(s) != std::string_view::npos; });
}

}  // namespace picbot
