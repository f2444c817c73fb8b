// Fuzz target: a config file's YAML text through parse_yaml and
// validate_config with the host schema (the file an operator or the web
// console writes).
// Invariants: neither throws; every issue has a message; a valid config has
// every host section; masking replaces every secret it holds.
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/config/config_loader.h"
#include "bot/config/schema.h"
#include "bot/core/secret.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Schema schema = Schema::with_host_sections();
  // One override per kind of env-backed field the host has.
  static const Environment env = {{"PICBOT_ONEBOT_TOKEN", "env-token-abcdefghijkl"},
                                  {"PICBOT_LLM_API_KEYS", "sk-or-env-key-1,sk-or-env-key-2"}};
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto raw = parse_yaml(text);
  if (!raw.ok()) {
    FUZZ_CHECK(!raw.error().empty());
    for (const auto& issue : raw.error()) FUZZ_CHECK(!issue.message.empty());
    return 0;
  }
  auto loaded = validate_config(schema, raw.value(), env);
  if (!loaded.ok()) {
    FUZZ_CHECK(!loaded.error().empty());
    for (const auto& issue : loaded.error()) FUZZ_CHECK(!format_issue(issue, "en").empty());
    return 0;
  }
  const auto& values = loaded.value().values;
  FUZZ_CHECK(values.is_object());
  for (const char* section : {"onebot", "bot", "web", "llm", "plugins"}) FUZZ_CHECK(values.contains(section));
  // Every secret the masked copy still holds is a mask ("sk-…abcd" or "••••").
  for (const auto& shown : schema.secret_values(schema.masked(values))) {
    FUZZ_CHECK(shown.find("…") != std::string::npos || shown == picbot::kShortSecretMask);
  }
  return 0;
}
