// Fuzz target: `picbot batch`'s .env parser (batch/dot_env.h) on arbitrary
// text, as a working directory may hold it. Invariants: it never fails;
// at most kMaxDotEnvLines values; every key is non-empty and made of
// [A-Za-z0-9_.]; no value holds a line break; parsing a file rebuilt from
// the values (KEY="VALUE" for values without quotes) gives the same values.
#include <cstdint>
#include <string>
#include <string_view>

#include "batch/dot_env.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const picbot::batch::DotEnv env = picbot::batch::parse_dot_env(text);
  FUZZ_CHECK(env.values.size() <= picbot::batch::kMaxDotEnvLines);
  std::string rebuilt;
  for (const auto& [key, value] : env.values) {
    FUZZ_CHECK(!key.empty());
    for (char c : key) {
      FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.');
    }
    FUZZ_CHECK(value.find('\n') == std::string::npos);
    if (value.find('"') == std::string::npos) rebuilt += key + "=\"" + value + "\"\n";
  }
  const picbot::batch::DotEnv again = picbot::batch::parse_dot_env(rebuilt);
  for (const auto& [key, value] : again.values) FUZZ_CHECK(env.values.at(key) == value);
  return 0;
}
