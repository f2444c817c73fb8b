// Saving a config by editing the operator's own text: only the keys that
// change are rewritten; every other line (comments, blank lines, order,
// quoting, flow style) stays byte for byte. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bot/config/schema.h"
#include "bot/core/result.h"

namespace picbot::config {

// Files larger than this are not edited in place (the full render is used).
inline constexpr std::size_t kMaxEditedYamlBytes = 1 << 20;

// Edits original_text, whose parse_yaml() is before, into a text whose
// parse_yaml() is exactly after:
//  - a changed value on its key's line is replaced in place (the line's
//    trailing comment is kept);
//  - a changed list, map or multi-line value is replaced as a block under its
//    key, at the same indentation;
//  - a mapping inside both is edited key by key;
//  - a new key goes at the end of its parent mapping, with the comment
//    render_yaml writes for it (language "zh-CN" or "en");
//  - a key that after lacks loses its lines.
// Fails (code "edit_refused", message says why) for text it cannot edit
// safely: an empty document, a root that is not a block mapping, more than
// one document, anchors or aliases, TABs in indentation, mixed line endings,
// complex keys, a key the schema does not know that needs rendering, text
// larger than kMaxEditedYamlBytes, or a result that does not read back as
// after. The caller then renders the whole file instead.
Result<std::string> apply_changes(std::string_view original_text, const nlohmann::json& before,
                                  const nlohmann::json& after, const Schema& schema,
                                  std::string_view language = "zh-CN");

// The raw document to save when a file whose raw document is raw (as
// parse_yaml returns it) and whose validated file values are values_before
// should validate to values_after: raw, where only the values that differ
// between values_before and values_after are taken from values_after.
// Objects of the schema are compared key by key; a map the file has entry by
// entry, a map it lacks is written whole (its default is the whole map).
// Keys of raw that values_before lacks (keys the schema does not know,
// which loading drops) are left out.
nlohmann::json raw_after_changes(const Schema& schema, const nlohmann::json& raw,
                                 const nlohmann::json& values_before, const nlohmann::json& values_after);

// The text to write for a config file whose current text is current_text so
// that it loads as values_after (validated file values, as LoadedConfig's
// file_values): the operator's text edited by apply_changes, or, when that
// is refused or current_text does not load, render_yaml(values_after).
// fallback_reason is empty when the text was edited, otherwise it says why
// the whole file was rendered.
struct ConfigText {
  std::string text;
  std::string fallback_reason;
};
ConfigText config_text_for(std::string_view current_text, const Schema& schema,
                           const nlohmann::json& values_after, std::string_view language);

}  // namespace picbot::config
