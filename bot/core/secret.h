// Secret masking: how API keys, tokens and passwords are shown anywhere a
// person can read them (logs, web responses, errors).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace picbot {

// What every secret shorter than kMinPartlyShownSecret characters is shown as.
inline constexpr std::string_view kShortSecretMask = "••••";
inline constexpr std::size_t kMinPartlyShownSecret = 16;

// Returns a masked form. A secret of kMinPartlyShownSecret characters or more
// keeps a recognisable vendor prefix (at most 6 characters, up to a '-') and
// its last four: "sk-or-v1-abcdef…a1b2" -> "sk-or-…a1b2". Shorter secrets
// (passwords, tokens) show nothing of themselves: kShortSecretMask.
std::string mask_secret(std::string_view secret);

// Compares a presented secret with the expected one in time that does not
// depend on where they differ.
bool constant_time_equals(std::string_view presented, std::string_view expected);

// SecretRegistry: the set of secret values currently configured. Log sinks and
// web responses pass text through redact() as a last line of defence.
// Thread-safe.
class SecretRegistry {
 public:
  static SecretRegistry& instance();

  // Replaces the whole set (called on every config load). Values shorter than
  // 6 characters are ignored: masking them would garble ordinary text.
  void set(std::vector<std::string> secrets);
  void add(std::string secret);

  // Returns text with every registered secret replaced by its masked form.
  std::string redact(std::string_view text) const;
  // True when no registered secret occurs in text.
  bool is_clean(std::string_view text) const;

 private:
  SecretRegistry() = default;
};

}  // namespace picbot
