// `picbot batch`: the whole command, from its options and the loaded config
// to the exit code. Builds the image provider (from picbot.yaml, or
// GEMINI_API_KEY), scans the input, prints the dry run or runs the
// BatchRunner on its own io_context with SIGINT/SIGTERM handling, and writes
// the archive.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "batch/batch_options.h"

namespace picbot::batch {

inline constexpr int kExitDone = 0;
inline constexpr int kExitSomeFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInterrupted = 130;

// config: the validated config (defaults filled when there is no file).
// env: the process environment; ./.env is read under it.
// Progress and results go to stdout, problems to stderr.
int run_batch_command(const BatchOptions& options, const nlohmann::json& config, const Environment& env,
                      std::string_view language);

}  // namespace picbot::batch
