// Fuzz target: a config file's text edited by config_text_for (the console's
// save and `/banana ... save`), with a few values changed.
// Invariants: nothing throws; whatever is written (the operator's text edited,
// or the full render it falls back to) loads back as exactly the values the
// save asked for. Inputs that are not UTF-8 are skipped: the full render
// writes U+FFFD for invalid bytes (render_yaml's own limit, not the editor's).
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/config/config_loader.h"
#include "bot/config/schema.h"
#include "bot/config/yaml_text_edit.h"
#include "bot/core/utf8.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::config;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Schema schema = Schema::with_host_sections();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t i = 0; i < text.size(); i += picbot::utf8_sequence_length(text, i)) {
    if (picbot::utf8_sequence_length(text, i) == 0) return 0;
  }
  auto raw = parse_yaml(text);
  if (!raw.ok()) return 0;
  auto loaded = validate_config(schema, raw.value(), Environment{});
  if (!loaded.ok()) return 0;

  // A scalar changed, a list changed, a nested key changed.
  nlohmann::json after = loaded.value().values;
  after["log_level"] = after["log_level"] == "debug" ? "warn" : "debug";
  after["bot"]["admins"].push_back(size);
  after["llm"]["context"]["max_turns"] = static_cast<int>(size % 50) + 1;

  const ConfigText written = config_text_for(text, schema, after, "zh-CN");
  auto reread = parse_yaml(written.text);
  FUZZ_CHECK(reread.ok());
  auto reloaded = validate_config(schema, reread.value(), Environment{});
  FUZZ_CHECK(reloaded.ok());
  FUZZ_CHECK(reloaded.value().values == after);
  return 0;
}
