// The .env file of the Gemini batch processor (python-dotenv's format, the
// part its users write): KEY=VALUE lines, "#" comments, blank lines, an
// optional "export " prefix, values optionally in single or double quotes.
// Anything else on a line is ignored with the line number reported.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"

namespace picbot::batch {

inline constexpr std::size_t kMaxDotEnvBytes = 64 * 1024;
inline constexpr std::size_t kMaxDotEnvLines = 1000;

struct DotEnv {
  std::map<std::string, std::string> values;
  std::vector<int> ignored_lines;  // 1-based numbers of lines that are not KEY=VALUE
};

// Parses text. Lines after kMaxDotEnvLines are ignored (and reported).
DotEnv parse_dot_env(std::string_view text);

// Reads and parses path. A missing file is an empty DotEnv; a file larger
// than kMaxDotEnvBytes or unreadable is "bad_env_file".
Result<DotEnv> read_dot_env(const std::filesystem::path& path);

}  // namespace picbot::batch
