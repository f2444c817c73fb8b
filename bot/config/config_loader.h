// Config loading: YAML text -> JSON tree -> validated values with every
// schema key filled in. All functions are pure apart from reading the file
// and the process environment; none logs or throws.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bot/config/schema.h"
#include "bot/core/result.h"

namespace picbot::config {

// One problem found in a config. path is dotted with list indices
// ("plugins.gemini_pic_gen.rate_limit.group_limits[1].limit"), empty for the
// file as a whole. message never contains a secret value.
// line is the 1-based line of the key in the file, 0 when unknown.
struct ConfigIssue {
  std::string path;
  std::string message;
  int line = 0;
};

// "path (line N): message" ("path（第 N 行）：message" in zh-CN), worded in
// language (the language the message was made in); without the line when
// line is 0, and just message when path is empty.
std::string format_issue(const ConfigIssue& issue, std::string_view language);

// Dotted key path (as in ConfigIssue::path) -> its 1-based line in the file.
using KeyLines = std::map<std::string, int>;

// Sets each issue's line from lines: the line of its path, or of the nearest
// enclosing key the file has (a missing key is reported at its section).
// Issues that already have a line keep it.
void attach_lines(std::vector<ConfigIssue>& issues, const KeyLines& lines);

// An environment variable that replaced a value from the file.
struct EnvOverride {
  std::string path;  // dotted key path
  std::string env;   // variable name
};

struct LoadedConfig {
  // Effective values: defaults filled, types coerced, env overrides applied.
  // Every schema key exists, except sections marked only_when_present
  // (plugins.<name>) that the file does not have.
  nlohmann::json values;
  // The same without env overrides: what saving the config back should write,
  // so secrets given through the environment never land in the file.
  nlohmann::json file_values;
  std::vector<EnvOverride> env_overrides;
  std::vector<ConfigIssue> warnings;  // unknown keys (dropped from values)
  KeyLines key_lines;                 // filled by load_config_file, for issues found later
};

using Environment = std::map<std::string, std::string>;

// A snapshot of the process environment.
Environment process_environment();

// Messages are in language ("zh-CN" or "en", from the message table) where
// this module has them in both; type errors are in English.

// YAML -> JSON. Plain scalars become null/bool/int/float when they look like
// one (YAML 1.2 core schema; "0123" stays a string); quoted scalars stay
// strings. Syntax errors are explained in words with line and column
// (1-based; a TAB in the indentation is named as such); duplicate keys report
// line and column. A tree nested deeper than 64 levels or with more than
// 100,000 values (as recursive or repeated aliases can make from a few bytes)
// is an error. When lines is given, it receives the line of every key and
// list item.
Result<nlohmann::json, std::vector<ConfigIssue>> parse_yaml(std::string_view text,
                                                            std::string_view language = "zh-CN",
                                                            KeyLines* lines = nullptr);

// Validates raw (as parse_yaml returns it) against schema. Missing and null
// keys take their defaults; a quoted number or boolean is accepted where one
// is expected; unknown keys are dropped, as warnings, or as errors inside a
// section that refuses them (Field::refuses_unknown_keys); either names the
// closest known key when the unknown one looks like a typo. For a field with
// env, a non-empty variable in env replaces the file's value (lists split on
// commas). On error returns every error (path + expected type + what was
// found), followed by the warnings.
Result<LoadedConfig, std::vector<ConfigIssue>> validate_config(const Schema& schema,
                                                               const nlohmann::json& raw,
                                                               const Environment& env,
                                                               std::string_view language = "zh-CN");

// Reads, parses and validates one YAML file. Issues carry the line of their
// key. A missing file says how to create one.
Result<LoadedConfig, std::vector<ConfigIssue>> load_config_file(const Schema& schema,
                                                                const std::filesystem::path& path,
                                                                const Environment& env,
                                                                std::string_view language = "zh-CN");

}  // namespace picbot::config
