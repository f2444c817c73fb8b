// BatchOptions: what `picbot batch` was asked to do, from its command line,
// the Gemini batch processor's environment variables and a .env file in the
// working directory. The command line wins over the environment, the process
// environment over .env, and either over the defaults (the batch processor's:
// ./output, 5 concurrent, 5 retries, no archive).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/result.h"

namespace picbot::batch {

enum class ArchiveFormat { kNone, kZip, kTar };

struct BatchOptions {
  std::string input_dir;
  std::string prompt;
  // nullopt: not on the command line (the environment or the default decides).
  std::optional<std::string> output_dir;
  std::optional<int> max_concurrent;
  std::optional<int> max_retries;
  bool prompt_optimization = false;
  std::string archive_format = "none";  // "zip", "tar" or "none"
  bool dry_run = false;
  std::string provider;      // "" = the environment's gemini key, else the config's chain
  std::string size;          // "WxH", "" = none
  std::string aspect_ratio;  // "W:H", "" = none
  bool recursive = false;
  bool resume = false;
  bool json = false;
};

// The options with every default and environment value applied.
struct ResolvedOptions {
  std::string input_dir;
  std::string prompt;
  std::string output_dir = "./output";
  int max_concurrent = 5;
  int max_retries = 5;
  bool prompt_optimization = false;
  ArchiveFormat archive = ArchiveFormat::kNone;
  bool dry_run = false;
  std::string provider;
  std::string size;
  std::string aspect_ratio;
  bool recursive = false;
  bool resume = false;
  bool json = false;
  std::string gemini_api_key;  // GEMINI_API_KEY, "" when unset
};

// Limits of the values a run accepts.
inline constexpr int kMaxConcurrent = 256;
inline constexpr int kMaxRetries = 50;

using Environment = std::map<std::string, std::string>;

// Applies env (the process environment merged over .env, see dot_env.h) and
// the defaults. Errors ("bad_option", message in language) for a missing
// --input-dir or --prompt, an archive format other than zip|tar|none, a
// count out of range (also from MAX_CONCURRENT_REQUESTS / MAX_RETRIES), a
// size or ratio that does not parse.
Result<ResolvedOptions> resolve_options(const BatchOptions& options, const Environment& env,
                                        std::string_view language);

std::string_view archive_format_name(ArchiveFormat format);

}  // namespace picbot::batch
