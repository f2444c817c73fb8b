// Config writing: values -> a documented YAML file, and saving it safely.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bot/config/schema.h"
#include "bot/core/result.h"

namespace picbot::config {

// Renders values as a YAML file in schema order, each key preceded by a
// comment with its description (zh-CN, or en when language starts with "en"),
// default, allowed values and environment variable. Keys missing from values
// take their defaults; keys not in the schema are left out. Plugin sections
// (only_when_present) are rendered only when values has them.
// Guarantees: validate_config(parse_yaml(render_yaml(v))) == v for validated v.
std::string render_yaml(const Schema& schema, const nlohmann::json& values,
                        std::string_view language = "zh-CN");

// One key as render_yaml documents it, at indent spaces: its comment lines,
// then "key:" and the value. Objects hold only the keys value has (nothing
// is filled in from defaults). Ends with a newline.
std::string render_entry_yaml(const Field& field, const nlohmann::json& value, int indent,
                              std::string_view language = "zh-CN");

// What render_entry_yaml writes after "key:" for value, without comments:
// " scalar\n" when the value fits on the key's line, otherwise "\n" or " |\n"
// followed by lines indented deeper than indent.
std::string render_value_yaml(const Field& field, const nlohmann::json& value, int indent);

// Renders every default with every plugin section present: the example config
// (`picbot --print-example-config`).
std::string render_example_yaml(const Schema& schema, std::string_view language = "zh-CN");

// Replaces the file at path with yaml_text atomically: the previous content is
// first copied to "<path>.bak", the new text is written to a temporary file in
// the same directory, fsynced and renamed over path, then the directory is
// fsynced. A crash leaves either the old or the new file, never a mix. New
// files get mode 0600 (they hold secrets); existing files keep their mode. A
// symlink at path is followed. Blocking disk I/O: call from a worker thread.
Status save_config_file(const std::filesystem::path& path, std::string_view yaml_text);

// Writes data to a temporary file next to target (".<name>.tmp-XXXXXX"),
// fsyncs it and renames it over target, with mode: readers see the old or
// the new content, never a mix. The temporary file never outlives a failure.
// Blocking disk I/O.
Status replace_file(const std::filesystem::path& target, std::string_view data, mode_t mode);

// Deletes the temporary files a save_config_file(path, ...) killed midway
// left next to path (and next to its .bak). Returns the names removed. Call
// at start-up, before anything saves. Blocking.
std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& path);

}  // namespace picbot::config
