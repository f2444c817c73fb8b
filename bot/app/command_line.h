// The command line of picbot, parsed by CLI11: the host's flags, and the
// `batch` subcommand with its own (batch/batch_options.h). The help and
// every error come from the message table in the language --lang names
// (wherever it stands on the line), zh-CN otherwise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "batch/batch_options.h"
#include "bot/core/result.h"

namespace picbot {

struct CommandLine {
  std::string config_path = "config/picbot.yaml";
  bool config_given = false;  // --config was on the line
  std::string language = "zh-CN";
  bool language_given = false;  // --lang was on the line
  bool check_only = false;
  bool print_example = false;
  bool version = false;
  // Text to print on stdout before exiting 0 (--help of picbot or of batch); "" when none.
  std::string help;
  // Set when the line runs `picbot batch`.
  std::optional<batch::BatchOptions> batch;
};

// Exit code of a usage error.
inline constexpr int kExitUsage = 2;

// Parses args (without the program name). On a usage error returns the text
// to print on stderr: what is wrong, then the usage of picbot (or of
// `picbot batch` when the error is in its part).
Result<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args);

}  // namespace picbot
